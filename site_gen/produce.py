"""
# Producing the outputs

The fifth stage. In: the planned tasks, the cache, and a way to make the
renderer (`render.Site`) should anything need rendering. Out: a `PageResult`
for every task, each from the cache when its key is there, otherwise
rendered, in parallel across files: the default language first, whose heading
ids the translated tasks then carry.

Rendering is pure: a page reads nothing from the disk (links were resolved
against the gathered file map, formulas come from the renderer). Formulas are
cached on their own, so that editing one paragraph re-renders that page but
none of its formulas; a formula no page shows any more is forgotten.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Callable

from .cache import Cache
from .model import PageResult, Problem
from .plan import Task, with_anchors
from .workers import in_parallel

if TYPE_CHECKING:
    from .render import Site

# `(done, total)` after each rendered output
Progress = Callable[[int, int], None]


@dataclass
class Produced:
    """Every task with its result, by language (the default first), and what it took."""

    languages: list[list[tuple[Task, PageResult]]] = field(default_factory=list)
    rendered: int = 0  # outputs not found in the cache
    formulas: int = 0  # formulas sent to KaTeX (not found in the cache)


def produce(plan: list[list[Task]], cache: Cache, site: Callable[[], Site], jobs: int,
            progress: Progress | None = None, numbering: str = "tagged") -> Produced:
    """`numbering`: which equations are numbered (`equation_numbers`), part of every formula's key."""
    produced = Produced()
    total, done = sum(len(tasks) for tasks in plan), 0
    english: dict[PurePosixPath, PageResult] = {}
    for number, tasks in enumerate(plan):
        if number:
            tasks = [with_anchors(task, english) for task in tasks]
        keys = [task.key(cache) for task in tasks]
        results = [cache.get(task.kind, key, _from_json) for task, key in zip(tasks, keys)]
        missing = [i for i, result in enumerate(results) if result is None]
        done += len(tasks) - len(missing)
        if missing:
            fresh = in_parallel(_render, [tasks[i] for i in missing], jobs, shared=site())
            for i, (result, formulas) in zip(missing, fresh):
                site().math.learn(formulas)
                results[i] = result
                cache.put(tasks[i].kind, keys[i], asdict(result))  # JSON turns section numbers into strings
                produced.rendered += 1
                done += 1
                if progress:
                    progress(done, total)
        pairs = list(zip(tasks, results))
        if number == 0:
            english = {task.url: result for task, result in pairs if task.kind == "page"}
        produced.languages.append(pairs)
    produced.formulas = _keep_formulas(cache, produced, site, numbering)
    return produced


def _render(site: Site, task: Task) -> tuple[PageResult, dict]:
    """One task, and the formulas its rendering had to send to KaTeX (for the main process to keep)."""
    before = set(site.math.fresh)
    if task.kind == "page":
        anchors = {number: list(ids) for number, ids in enumerate(task.anchors, start=1)}
        result = site.render_page(site.by_url[task.url], task.lang, anchors)
    else:
        result = PageResult(site.render_listing(task.url.parent, task.lang))
    return result, {k: v for k, v in site.math.fresh.items() if k not in before}


def _from_json(data: dict) -> PageResult:
    return PageResult(**{**data, "problems": [Problem(**p) for p in data["problems"]],
                         "anchors": {int(k): v for k, v in data["anchors"].items()}})


def _formula(entry: list) -> tuple[str, bool, str, str | None]:
    """A stored formula, `[tex, display, html, error]`; `ValueError` for any other shape."""
    tex, display, html, error = entry
    if not (isinstance(tex, str) and isinstance(display, bool) and isinstance(html, str)
            and (error is None or isinstance(error, str))):
        raise ValueError(f"not a formula: {entry!r:.60}")
    return tex, display, html, error


def formula_key(cache: Cache, tex: str, display: bool, numbering: str) -> str:
    return cache.key("formula", tex, str(display), numbering)


def known_formulas(cache: Cache, numbering: str) -> dict[tuple[str, bool], tuple[str, str | None]]:
    """Formulas of earlier builds by these same tools (entries under other keys are stale)."""
    known = {}
    for key, (tex, display, html, error) in cache.all("formula", _formula).items():
        if key == formula_key(cache, tex, display, numbering):
            known[(tex, display)] = (html, error)
    return known


def _keep_formulas(cache: Cache, produced: Produced, site: Callable[[], Site], numbering: str) -> int:
    """Store new formulas and mark every formula a page shows as in use; returns how many were new."""
    fresh = site().math.fresh if produced.rendered else {}
    for (tex, display), rendered in sorted(fresh.items()):
        cache.put("formula", formula_key(cache, tex, display, numbering), [tex, display, rendered.html, rendered.error])
    for pairs in produced.languages:
        for _, result in pairs:
            for tex, display in result.formulas:  # whether the page was rendered or came from the cache
                cache.keep("formula", formula_key(cache, tex, display, numbering))
    return len(fresh)
