"""
# Producing the outputs

The fifth stage. In: the planned tasks, the cache, a way to make the
renderer (`render.Site`) should anything need rendering, and where to put
each output. Out: every output, handed on as soon as it is made, from the
cache when its key is there, otherwise rendered, in parallel across files:
the default language first, whose heading ids the translated tasks then
carry; and a `PageResult` for every task without its HTML (problems, links,
search sections), which is all the later stages need.

Rendering is pure: a page reads nothing from the disk (links were resolved
against the gathered file map, its translation table is in its task, formulas
come from the renderer), and every problem it finds is in its result, so a
page from a worker or from the cache reports what it reported when rendered. Formulas are
cached on their own, so that editing one paragraph re-renders that page but
none of its formulas; a formula no page shows any more is forgotten.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
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
# Where each output goes as soon as it is made: `Staging.put` (site path, bytes)
Put = Callable[[PurePosixPath, bytes], None]


@dataclass
class Produced:
    """
    Every task with what the rest of the build needs of its result, by
    language (the default first), and what it took. The HTML is not kept: it
    went to the staging folder as soon as it was made, so memory does not grow
    with the site.
    """

    languages: list[list[tuple[Task, PageResult]]] = field(default_factory=list)  # results without their `html`
    rendered: int = 0  # outputs not found in the cache
    formulas: int = 0  # formulas sent to KaTeX (not found in the cache)


def produce(plan: list[list[Task]], cache: Cache, site: Callable[[], Site], jobs: int, put: Put,
            progress: Progress | None = None, numbering: str = "tagged") -> Produced:
    """
    `put(site path, bytes)` receives each output as soon as it is made.
    `numbering`: which equations are numbered (`equation_numbers`), part of every formula's key.
    """
    produced = Produced()
    total, done = sum(len(tasks) for tasks in plan), 0
    anchors: dict[PurePosixPath, dict[int, list[str]]] = {}  # of the default language's pages

    def written(task: Task, result: PageResult) -> PageResult:
        put(task.path, result.html.encode("utf-8"))
        for tex, display in result.formulas:  # whether the page was rendered or came from the cache
            cache.keep("formula", formula_key(cache, tex, display, numbering))
        return replace(result, html="")

    for number, tasks in enumerate(plan):
        if number:
            tasks = [with_anchors(task, anchors) for task in tasks]
        keys = [task.key(cache) for task in tasks]
        results: list[PageResult | None] = []
        for task, key in zip(tasks, keys):
            found = cache.get(task.kind, key, _from_json)
            results.append(found if found is None else written(task, found))
        missing = [i for i, result in enumerate(results) if result is None]
        done += len(tasks) - len(missing)
        if missing:
            fresh = in_parallel(_render, [tasks[i] for i in missing], jobs, shared=site())
            for i, (result, formulas) in zip(missing, fresh):
                site().math.learn(formulas)
                cache.put(tasks[i].kind, keys[i], asdict(result))  # JSON turns section numbers into strings
                results[i] = written(tasks[i], result)
                produced.rendered += 1
                done += 1
                if progress:
                    progress(done, total)
        pairs = [(task, result) for task, result in zip(tasks, results) if result is not None]
        if number == 0:
            anchors = {task.url: result.anchors for task, result in pairs if task.kind == "page"}
        produced.languages.append(pairs)
    produced.formulas = _store_formulas(cache, site, numbering) if produced.rendered else 0
    return produced


def _render(site: Site, task: Task) -> tuple[PageResult, dict]:
    """One task, and the formulas its rendering had to send to KaTeX (for the main process to keep)."""
    before = set(site.math.fresh)
    result = site.render_page(task) if task.kind == "page" else PageResult(site.render_listing(task))
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


def _store_formulas(cache: Cache, site: Callable[[], Site], numbering: str) -> int:
    """Store the formulas KaTeX rendered in this build; returns how many there were."""
    fresh = site().math.fresh
    for (tex, display), rendered in sorted(fresh.items()):
        cache.put("formula", formula_key(cache, tex, display, numbering), [tex, display, rendered.html, rendered.error])
    return len(fresh)
