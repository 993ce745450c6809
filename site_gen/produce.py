"""
# Producing the outputs

The fifth stage. In: the planned tasks, the cache, a way to make the
renderer (`render.Site`) should anything need rendering, and where to put
each output. Out: every output, handed on as soon as it is made, from the
cache when its key is there, otherwise rendered, in parallel across files:
the default language first, whose heading ids the translated tasks then
carry; and for every task a small record of what the later stages need
(`Made`: problems, linked files, search sections, ids).

Rendering is pure: a page reads nothing from the disk (links were resolved
against the gathered file map, its translation table is in its task, formulas
come from the renderer), and every problem it finds is in its result, so a
page from a worker or from the cache reports what it reported when rendered. Formulas are
cached on their own, so that editing one paragraph re-renders that page but
none of its formulas; a formula no page shows any more is forgotten; so are
its sections' prose (`render.SectionMemo`), so that only the sections an edit
changed are rendered again. An output's cache entry holds the hash of its
HTML, which is stored on its own: an output the old site already holds is
linked from it without its HTML being read from the cache. It holds its search
sections and ids as `Made` does, packed, beside its JSON (`cache.encode_parts`):
an output from the cache is neither decoded nor compressed again. (Their checksum
is the entry's: a pack is unpacked only when the search index is assembled.)
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Callable

from .cache import Cache, DamagedEntry, encode_parts, encode_text, encode_value
from .model import PageResult, Problem
from .plan import Task, with_anchors
from .workers import in_parallel
from .write import Staging, content_hash

if TYPE_CHECKING:
    from .render import Site

# `(done, total)` after each rendered output
Progress = Callable[[int, int], None]
# Where each output goes as soon as it is made: `Staging.put` (site path, bytes)
Put = Callable[[PurePosixPath, bytes], None]
# A cache entry encoded by a worker: kind, key, `cache.encode_value` of the value
Entry = tuple[str, str, bytes]


@dataclass
class Made:
    """
    What the later stages need of one output once its HTML is written (the
    HTML is not kept, so memory does not grow with the site): the problems
    found, the files it links to, its title and search sections, its ids and
    its links into other pages' fragments. The search sections and ids,
    a good part of the site's text, are held packed (`packed`, `unpacked`).
    """

    task: Task
    problems: list[Problem]
    assets: dict[str, str]  # site path → disk path
    title: str
    search: bytes  # the sections worth finding, each as compact JSON (what the index holds), one a line, packed
    ids: bytes  # one a line, packed
    fragment_links: list[list]


@dataclass
class Produced:
    """What every task made, by language (the default first), and what it took."""

    languages: list[list[Made]] = field(default_factory=list)
    rendered: int = 0  # outputs not found in the cache
    formulas: int = 0  # formulas sent to KaTeX (not found in the cache)


def produce(plan: list[list[Task]], cache: Cache, site: Callable[[], Site], jobs: int, staging: Staging,
            progress: Progress | None = None, numbering: str = "tagged") -> Produced:
    """
    `staging` receives each output as soon as it is made.
    `numbering`: which equations are numbered (`equation_numbers`), part of every formula's key.
    """
    produced = Produced()
    total, done = sum(len(tasks) for tasks in plan), 0
    anchors: dict[PurePosixPath, dict[int, list[str]]] = {}  # of the default language's pages
    kept: set[tuple[str, bool]] = set()  # formulas marked in use (each page of each language has its own)

    def written(task: Task, result: PageResult, packs: tuple[bytes, bytes], default: bool) -> Made:
        for tex, display in result.formulas:  # whether the page was rendered or came from the cache
            if (tex, display) not in kept:
                kept.add((tex, display))
                cache.keep("formula", formula_key(cache, tex, display, numbering))
        for key in result.sections:  # its sections, for the next edit of the page
            cache.keep("section", key)
        if default and task.kind == "page":
            anchors[task.url] = result.anchors
        return Made(task, result.problems, result.assets, result.title, *packs, result.fragment_links)

    for number, tasks in enumerate(plan):
        if number:
            tasks = [with_anchors(task, anchors) for task in tasks]
        keys = [task.key(cache) for task in tasks]
        records = _records(cache, tasks, keys)
        made: list[Made | None] = []
        for task, found in zip(tasks, records):
            if found is not None and not _reused(task.path, found[0], cache, staging):
                found = None  # its HTML is no longer in the cache: rendered again
            made.append(found if found is None else written(task, *found, number == 0))
        missing = [i for i, output in enumerate(made) if output is None]
        done += len(tasks) - len(missing)
        if missing:
            # Their code read from the cache here: forked workers cannot use its connection
            site().load_code([tasks[i].url for i in missing if tasks[i].kind == "page"])
            fresh = in_parallel(_render, [(tasks[i], cache.storing) for i in missing], jobs, shared=site())
            for i, (result, packs, html, record, entries, formulas) in zip(missing, fresh):
                site().math.learn(formulas)
                staging.put(tasks[i].path, html, result.html)
                if record is not None:
                    cache.put_encoded(tasks[i].kind, keys[i], record)
                for kind, key, entry in entries:
                    cache.put_encoded(kind, key, entry)
                made[i] = written(tasks[i], result, packs, number == 0)
                produced.rendered += 1
                done += 1
                if progress:
                    progress(done, total)
        produced.languages.append([output for output in made if output is not None])
    produced.formulas = _store_formulas(cache, site, numbering) if produced.rendered else 0
    return produced


def _render(site: Site, item: tuple[Task, bool]) -> tuple[PageResult, tuple[bytes, bytes], bytes, bytes | None,
                                                          list[Entry], dict]:
    """
    One task: its record (`html`: the hash of its HTML; its search sections
    and ids packed apart, `_packs`), its HTML (UTF-8), if cache entries are
    wanted its record's (under the task's key) and the others (`_entries`),
    and the formulas its rendering had to send to KaTeX (for the main process
    to keep). The entries are encoded here, in the worker, so the main process
    never holds a page's JSON, nor its HTML twice.
    """
    task, wanted = item
    before = set(site.math.fresh)
    site.math.asked.clear()
    if task.kind == "page":
        result = site.render_page(task)
        site.by_url[task.url].release()  # its split lines: a worker would otherwise keep every page's
    else:
        result = PageResult(site.render_listing(task))
    # Its sections' formulas, and those of the titles and summaries it shows (its own, a listing's): each kept in
    # the cache as long as its record is, so an output from the cache never leaves one to be rendered again
    result.formulas = [list(formula) for formula in sorted({*map(tuple, result.formulas), *site.math.asked})]
    sections = site.memo.take()
    html = result.html.encode("utf-8")
    sha256 = content_hash(html)
    packs = _packs(result)
    result.search, result.ids = [], []
    record, entries = (_record(result, sha256, packs), _entries(html, sha256, sections)) if wanted else (None, [])
    result.html = sha256
    return result, packs, html, record, entries, {k: v for k, v in site.math.fresh.items() if k not in before}


def _packs(result: PageResult) -> tuple[bytes, bytes]:
    """An output's search sections (those worth finding, as compact JSON) and ids, as `Made` holds them."""
    searched = [compact_json(section) for section in result.search if section["x"] or section["h"] or section["c"]]
    return packed(searched), packed(result.ids)


def _entries(html: bytes, sha256: str, sections: dict[str, dict]) -> list[Entry]:
    """
    The cache entries of a rendered output besides its record (which holds
    the hash of its HTML in place of the HTML), encoded: the HTML on its own,
    under that hash, fetched only when the old site does not hold it already
    (`_reused`); and its sections (`render.SectionMemo`).
    """
    return [("html", sha256, encode_text(html)), *(("section", key, encode_value(made)) for key, made in sections.items())]


def _records(cache: Cache, tasks: list[Task], keys: list[str]) -> list[tuple[PageResult, tuple[bytes, bytes]] | None]:
    """Each task's record from the cache (`_from_stored`), or `None`: read a kind at a time, in a few queries."""
    found: list = [None] * len(tasks)
    for kind in sorted({task.kind for task in tasks}):
        at = [i for i, task in enumerate(tasks) if task.kind == kind]
        for i, record in zip(at, cache.get_many(kind, [keys[i] for i in at], [_from_stored] * len(at))):
            found[i] = record
    return found


def _reused(path: PurePosixPath, found: PageResult, cache: Cache, staging: Staging) -> bool:
    """Put a cached output (`found.html` is its hash): the old site's file if the same, else its HTML from the cache."""
    if staging.reuse(path, found.html):
        cache.keep("html", found.html)
        return True
    html = cache.get("html", found.html, _text)
    if html is None or content_hash(html.encode("utf-8")) != found.html:
        return False
    staging.put(path, html.encode("utf-8"), found.html)
    return True


def compact_json(value: object) -> bytes:
    """JSON as the search index holds it: compact, UTF-8 (never a line break: JSON escapes it)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def packed(lines: list) -> bytes:
    """Lines (`str` or `bytes`, none holding a line break) compressed fast; `unpacked` gives them back as bytes."""
    return zlib.compress(b"\n".join(line if isinstance(line, bytes) else line.encode("utf-8") for line in lines), 1)


class NotPacked(DamagedEntry):
    """Bytes that `packed` did not make (all it packs itself unpack: these came from the cache)."""


def unpacked(data: bytes) -> list[bytes]:
    """`NotPacked` for anything `packed` did not make."""
    try:
        text = zlib.decompress(data)
    except zlib.error as error:
        raise NotPacked(f"search sections or ids that do not unpack: {error}") from None
    return text.split(b"\n") if text else []


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("not a page's HTML")
    return value


def _record(result: PageResult, sha256: str, packs: tuple[bytes, bytes]) -> bytes:
    """An output's record, encoded: `_to_json`, beside its search sections and ids as `Made` holds them (`_packs`)."""
    return encode_parts(_to_json(result, sha256), list(packs))  # JSON turns section numbers into strings


def _to_json(result: PageResult, sha256: str) -> dict:
    """An output's record as `asdict` makes it (but sharing its lists: it is encoded at once), its HTML's hash for its HTML."""
    return {**vars(result), "html": sha256, "problems": [vars(p).copy() for p in result.problems]}


def _from_stored(stored: tuple[dict, list[bytes]]) -> tuple[PageResult, tuple[bytes, bytes]]:
    """A stored output's record (its `html` is the hash of the HTML), and its packed search sections and ids."""
    data, packs = stored
    search, ids = packs
    if not (isinstance(search, bytes) and isinstance(ids, bytes)):
        raise ValueError("not a record's packs")
    return PageResult(**{**data, "problems": [Problem(**p) for p in data["problems"]], "search": [], "ids": [],
                         "anchors": {int(k): v for k, v in data["anchors"].items()}}), (search, ids)


def _formula(entry: list) -> tuple[str, bool, str, str | None, str]:
    """A stored formula, `[tex, display, html, error, text]`; `ValueError` for any other shape."""
    tex, display, html, error, text = entry
    if not (isinstance(tex, str) and isinstance(display, bool) and isinstance(html, str)
            and (error is None or isinstance(error, str)) and isinstance(text, str)):
        raise ValueError(f"not a formula: {entry!r:.60}")
    return tex, display, html, error, text


def formula_key(cache: Cache, tex: str, display: bool, numbering: str) -> str:
    return cache.key("formula", tex, str(display), numbering)


def known_formulas(cache: Cache, numbering: str) -> dict[tuple[str, bool], tuple[str, str | None, str]]:
    """Formulas of earlier builds by these same tools (entries under other keys are stale): HTML, error, text."""
    known = {}
    for key, (tex, display, html, error, text) in cache.all("formula", _formula).items():
        if key == formula_key(cache, tex, display, numbering):
            known[(tex, display)] = (html, error, text)
    return known


def _store_formulas(cache: Cache, site: Callable[[], Site], numbering: str) -> int:
    """Store the formulas KaTeX rendered in this build; returns how many there were."""
    fresh = site().math.fresh
    for (tex, display), rendered in sorted(fresh.items()):
        cache.put("formula", formula_key(cache, tex, display, numbering),
                  [tex, display, rendered.html, rendered.error, rendered.text])
    return len(fresh)
