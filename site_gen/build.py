"""
# Building the site

`build(config)` reads like the table of contents of the generator:

1. **gather**: find every source and read it, so that every page's title and
   URL is known before any page is rendered;
2. **plan**: give every output a cache key that names all it depends on
   (its source, its translation table, the templates, the settings, and the
   titles and files of the rest of the site);
3. **render** what the cache does not hold, in parallel across files and
   languages: first the default language, whose heading ids the translations
   reuse, then the others;
4. **write**: put the whole site in place at once (`write_site`).

Problems in the input (a LaTeX error, a broken link, a file that is not UTF-8)
never stop the build: they are collected as `path:line: message` and every good
page is still written. This is the only module that writes to the output folder.

A build with nothing to render imports neither Markdown, Pygments, KaTeX nor
Jinja: rendering lives in `render`, loaded only when a page must be rendered.
"""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Callable, Iterator
from urllib.parse import quote

from . import assets as site_assets
from .cache import Cache, digest
from .config import Config, user_cache
from .document import Document, parse, read, read_text
from .files import FileMap, Files, discover
from .model import PageResult, Problem, Source
from . import translate
from .prose import inventory, raw_html_outside_allowlist
from .definitions import collect as collect_definitions
from .navigation import reading_order
from .translate import Translations

if TYPE_CHECKING:
    from .render import Site

MARKER = ".site-gen"  # marks a folder as ours to replace

# `(done, total)` after each rendered output
Progress = Callable[[int, int], None]


class BuildError(Exception):
    """The build cannot start or finish (as opposed to a problem in one input)."""


@dataclass
class Report:
    pages: int = 0
    outputs: int = 0
    formulas: int = 0  # formulas sent to KaTeX (not found in the cache)
    rendered: int = 0  # pages and listings rendered (not found in the cache)
    cache_hits: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def build(config: Config, jobs: int | None = None, use_cache: bool = True,
          progress: Progress | None = None) -> Report:
    """Build the whole site into `config.out`."""
    started = time.perf_counter()
    report = Report()
    _check_out(config)
    with _lock(config.out):
        cache = Cache(config.cache if use_cache else None, report.notes)
        complete = False
        try:
            files = Files(config, discover(config), FileMap.gather(config))
            jobs = jobs or os.cpu_count() or 1
            documents = gather(config, files.sources, cache, report.problems, jobs)
            translations = Translations(config.translations)
            plan = Plan(config, files, documents, translations, cache)
            if plan.assets.note:
                report.notes.append(plan.assets.note)
            outputs = plan.render(jobs, report, progress)
            report.problems.extend(translations.problems)
            _audit_translations(config, documents, report, cache)
            write_site(config.out, outputs)
            complete = True
        finally:
            cache.save(prune=complete)
            cache.close()
        report.pages = len(documents)
        report.outputs = len(outputs)
        report.cache_hits = cache.hits
    report.problems = sorted(set(report.problems), key=lambda p: (p.path, p.line, p.message))
    report.seconds = time.perf_counter() - started
    return report


def _audit_translations(config: Config, documents: list[Document], report: Report, cache: Cache) -> None:
    """
    The checks of `translate check` on every table, and the units shown in
    English awaiting review; remembered until a table or a page's units change.
    """
    pages = {d.source.rel: translate.units_of(d) for d in documents if d.source.translate}
    listed = json.dumps(sorted((str(rel), units) for rel, units in pages.items()), ensure_ascii=False)
    for lang in config.languages[1:]:
        folder = config.translations / lang
        tables = sorted(folder.rglob("*.json")) if folder.is_dir() else []
        key = cache.key("audit", lang, listed, *(f"{p.relative_to(folder)}\0".encode() + p.read_bytes() for p in tables))
        found = cache.get("audit", key)
        if found is None:
            audit = translate.audit(config.translations, lang, pages, inventory, raw_html_outside_allowlist)
            found = {"problems": [[p.path, p.line, p.message, p.column] for p in audit.problems], "notes": audit.notes()}
            cache.put("audit", key, found)
        report.problems.extend(Problem(*p) for p in found["problems"])
        report.notes.extend(found["notes"])


# ## Gather

def gather(config: Config, sources: list[Source], cache: Cache, problems: list[Problem],
           jobs: int = 1) -> list[Document]:
    """Read every source; splitting is skipped for files the cache has seen, and shared out between cores."""
    texts: list[tuple[Source, str, str]] = []
    for source in sources:
        text = read_text(config.root / source.path, source, problems)
        if text is not None:
            # The key is the whole record read from: a root's title or prefix is in it too
            texts.append((source, text, cache.key("document", repr(source), text)))
    cached = [cache.get("document", key) for _, _, key in texts]
    missing = [(source, text) for (source, text, _), hit in zip(texts, cached) if hit is None]
    parsed = iter(_in_parallel(_parse, missing, jobs))
    documents = []
    for (source, text, key), hit in zip(texts, cached):
        if hit is not None:
            document = Document.from_json(source, text, hit["document"])
            found = [Problem(*p) for p in hit["problems"]]
        else:
            document, found = next(parsed)
            cache.put("document", key, {"document": document.to_json(),
                                        "problems": [[p.path, p.line, p.message] for p in found]})
        problems.extend(found)
        documents.append(document)
    return documents


def _parse(item: tuple[Source, str]) -> tuple[Document, list[Problem]]:
    found: list[Problem] = []
    return parse(item[0], item[1], found), found


def _in_parallel(function: Callable, items: list, jobs: int) -> Iterator:
    """
    `map` over forked worker processes when it pays. Results come in order (so
    the output never depends on `jobs`) and as soon as they are ready (so a
    progress bar moves).
    """
    if jobs <= 1 or len(items) < 8:
        yield from (function(item) for item in items)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=context) as pool:
        yield from pool.map(function, items, chunksize=max(1, len(items) // (8 * jobs)))


# ## Plan and render

@dataclass
class Task:
    """One output to produce: a source's page or a folder's listing, in one language."""

    kind: str  # "page" or "listing"
    lang: str
    path: PurePosixPath  # where it goes in the site
    key: str
    document: int = -1  # index into the documents, for pages
    folder: PurePosixPath = PurePosixPath(".")  # for listings


class Plan:
    """Cache keys for every output, and rendering of what the cache lacks."""

    def __init__(self, config: Config, files: Files, documents: list[Document], translations: Translations,
                 cache: Cache) -> None:
        self.config = config
        self.files = files
        self.documents = documents
        self.translations = translations
        self.cache = cache
        self._site: Site | None = None
        # Heading ids of each English page's sections, for its translations
        self.anchors: dict[PurePosixPath, dict[int, list[str]]] = {}
        self.assets = site_assets.collect(config.templates, cache)
        self.settings = digest(
            repr((config.site_url, config.repo_url, config.branch, config.title, config.languages, config.equation_numbers,
                  sorted(config.language_names.items()), [(str(s.dir), s.prefix, s.title, s.translate)
                                                          for s in config.sources])),
            self.assets.katex_stylesheet,
            _folder_digest(config.templates),
        )
        order = "\n".join(str(url) for url in reading_order(documents))  # previous/next links and the site's tree
        definitions = collect_definitions(documents).fingerprint()  # code links and "used in" lists
        self.structure = {lang: digest(files.map.listing(), order, definitions, self._titles(lang))
                          for lang in config.languages}

    def _titles(self, lang: str) -> str:
        """Titles and summaries of every page in `lang`: listings and links show them."""
        rows = []
        for document in self.documents:
            source = document.source
            title, summary = document.title, document.summary
            if self.config.translated(source.translate, lang):
                title = self.translations.lookup(lang, source.rel, title) or title
                summary = (self.translations.lookup(lang, source.rel, summary) or summary) if summary else ""
            rows.append(f"{source.url}\t{title}\t{summary}")
        return "\n".join(rows)

    def tasks(self, lang: str) -> list[Task]:
        ui = self.translations.fingerprint(lang, None) if lang != self.config.default_language else b""
        folder = self.config.language_folder(lang)
        tasks = []
        for index, document in enumerate(self.documents):
            source = document.source
            table = (self.translations.fingerprint(lang, source.rel)
                     if self.config.translated(source.translate, lang) else b"")
            key = self.cache.key("page", lang, str(source.path), document.text, table, ui,
                                 self.settings, self.structure[lang])
            tasks.append(Task("page", lang, folder / source.url, key, document=index))
        pages = {d.source.url for d in self.documents}
        for index_page in (f / "index.html" for f in self.files.folders()):
            if index_page not in pages:
                key = self.cache.key("listing", lang, str(index_page), ui, self.settings, self.structure[lang])
                tasks.append(Task("listing", lang, folder / index_page, key, folder=index_page.parent))
        return tasks

    @property
    def site(self) -> Site:
        """The renderer, created (and its heavy modules imported) on first need."""
        if self._site is None:
            from .math import KatexRenderer
            from .render import Site

            math = KatexRenderer(known=self._known_formulas(), number_all=self.config.equation_numbers == "all")
            self._site = Site(self.config, self.files, self.documents, math, self.assets.katex_stylesheet,
                              self.translations)
        return self._site

    def _formula_key(self, tex: str, display: bool) -> str:
        return self.cache.key("formula", tex, str(display), self.config.equation_numbers)

    def _known_formulas(self) -> dict[tuple[str, bool], tuple[str, str | None]]:
        """Formulas of earlier builds by these same tools (entries under other keys are stale)."""
        known = {}
        for key, (tex, display, html, error) in self.cache.all("formula").items():
            if key == self._formula_key(tex, display):
                known[(tex, display)] = (html, error)
        return known

    def render(self, jobs: int, report: Report, progress: Progress | None) -> dict[PurePosixPath, bytes]:
        outputs: dict[PurePosixPath, bytes] = {}
        used_formulas: set[tuple[str, bool]] = set()
        all_tasks = [self.tasks(lang) for lang in self.config.languages]
        total, done = sum(len(t) for t in all_tasks), 0
        copied: dict[str, str] = {}  # site path of each copied file → the file on disk
        for tasks in all_tasks:  # the default language first
            results = {}
            missing = []
            for task in tasks:
                cached = self.cache.get(task.kind, task.key)
                if cached is not None:
                    results[task.path] = _result_from_json(cached)
                else:
                    missing.append(task)
            done += len(results)
            for task, result in zip(missing, self._render_missing(missing, jobs)):
                results[task.path] = result
                self.cache.put(task.kind, task.key, _result_to_json(result))
                report.rendered += 1
                done += 1
                if progress:
                    progress(done, total)
            search: dict[str, list] = {"pages": [], "sections": []}
            for task in tasks:
                result = results[task.path]
                used_formulas.update((tex, display) for tex, display in result.formulas)
                if task.kind == "page":
                    _add_to_search(search, task, self.documents[task.document].source.url, result)
                outputs[task.path] = result.html.encode("utf-8")
                report.problems.extend(result.problems)
                for site_path, disk in result.assets.items():
                    if copied.setdefault(site_path, disk) != disk:
                        # Two source folders with one prefix, each with this file: one copy only
                        report.problems.append(Problem(disk, 1, f"not copied: '{site_path}' is already "
                                                                f"{copied[site_path]} (two source folders share a prefix)"))
                        continue
                    outputs[PurePosixPath(site_path)] = Path(disk).read_bytes()
                if task.kind == "page" and result.anchors:
                    self.anchors[self.documents[task.document].source.url] = result.anchors
            if tasks:
                outputs[site_assets.search_index(tasks[0].lang)] = _search_script(search)
            if tasks and tasks[0].lang == self.config.default_language:
                report.problems.extend(self._broken_fragments(tasks, results))
        outputs[PurePosixPath(MARKER)] = b"This folder is written by site-gen and replaced on every build.\n"
        if self.config.site_url:
            # A sitemap lists absolute URLs: without the site's, there is none
            outputs[PurePosixPath("sitemap.xml")] = self._sitemap().encode("utf-8")
            outputs[PurePosixPath("robots.txt")] = \
                f"User-agent: *\nAllow: /\nSitemap: {self.config.site_url}sitemap.xml\n".encode()
        else:
            report.notes.append("no site URL (`site_url` in [tool.site_gen]): no sitemap, canonical links or og:url")
        outputs.update(self.assets.files)
        if self._site is not None:
            report.formulas = len(self._site.math.fresh)
            for (tex, display), rendered in sorted(self._site.math.fresh.items()):
                self.cache.put("formula", self._formula_key(tex, display),
                               [tex, display, rendered.html, rendered.error])
        for tex, display in used_formulas:  # whether the page was rendered or came from the cache
            self.cache.keep("formula", self._formula_key(tex, display))
        return outputs

    def _broken_fragments(self, tasks: list[Task], results: dict[PurePosixPath, PageResult]) -> list[Problem]:
        """Links to `page#fragment` where the page has no such anchor (checked once all pages exist)."""
        ids = {str(self.documents[t.document].source.url): set(results[t.path].ids) for t in tasks if t.kind == "page"}
        problems = []
        for task in tasks:
            for path, line, written, page, fragment in results[task.path].fragment_links:
                if page in ids and fragment not in ids[page]:
                    problems.append(Problem(path, line, f"broken link '{written}': no anchor '#{fragment}' on {page}"))
        return problems

    def _render_missing(self, tasks: list[Task], jobs: int) -> Iterator[PageResult]:
        """Render `tasks`, yielding each result, in order, as soon as it is ready."""
        if not tasks:
            return
        site = self.site
        for url, anchors in self.anchors.items():
            for number, ids in anchors.items():
                site.anchors[(url, int(number))] = ids
        # Workers are forked: they start with the site, its documents and known formulas
        global _WORKER_SITE
        _WORKER_SITE = site
        try:
            for result, formulas in _in_parallel(_render_in_worker, tasks, jobs):
                site.math.learn(formulas)
                yield result
        finally:
            _WORKER_SITE = None

    def _sitemap(self) -> str:
        key = self.cache.key("sitemap", self.settings, *self.structure.values())
        cached = self.cache.get("sitemap", key)
        if cached is None:
            cached = self.site.sitemap()
            self.cache.put("sitemap", key, cached)
        return cached


_WORKER_SITE: Site | None = None


def _render(site: Site, task: Task) -> PageResult:
    if task.kind == "page":
        return site.render_page(site.documents[task.document], task.lang)
    return PageResult(site.render_listing(task.folder, task.lang))


def _render_in_worker(task: Task) -> tuple[PageResult, dict]:
    assert _WORKER_SITE is not None
    before = set(_WORKER_SITE.math.fresh)
    result = _render(_WORKER_SITE, task)
    fresh = {k: v for k, v in _WORKER_SITE.math.fresh.items() if k not in before}
    return result, fresh


def _result_to_json(result: PageResult) -> dict:
    return asdict(result)  # JSON turns the section numbers of `anchors` into strings


def _result_from_json(data: dict) -> PageResult:
    return PageResult(**{**data, "problems": [Problem(**p) for p in data["problems"]],
                         "anchors": {int(k): v for k, v in data["anchors"].items()}})


def _add_to_search(search: dict[str, list], task: Task, url: PurePosixPath, result: PageResult) -> None:
    """Pages by URL within their language's tree; sections point at their page."""
    page = len(search["pages"])
    search["pages"].append({"u": quote(str(url)), "t": result.title})
    for section in result.search:
        if section["x"] or section["h"] or section["c"]:
            search["sections"].append({"p": page, **section})


def _search_script(search: dict[str, list]) -> bytes:
    """A script, not JSON: pages opened from `file://` can load a script but not fetch a file."""
    data = json.dumps(search, ensure_ascii=False, separators=(",", ":"))
    return f"self.siteSearchIndex = {data};\n".encode("utf-8")


def _folder_digest(folder: Path) -> str:
    """The templates pages are made from; `static/` is only copied, so it does not count."""
    if not folder.is_dir():
        return ""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "static" not in p.relative_to(folder).parts)
    return digest(*(part for p in files for part in (str(p.relative_to(folder)), p.read_bytes())))


# ## Write

def _check_out(config: Config) -> None:
    """The output folder is replaced whole, so it must hold nothing else of ours."""
    out = config.out
    for root in [config.root, *(r.dir for r in config.sources)]:
        if root == out or out in root.parents:
            raise BuildError(f"{out}: the output folder contains the sources ({root}); choose another --out")


def lock_path(out: Path) -> Path:
    """The lock of an output folder, in the user's cache folder: nothing is left beside the output."""
    return user_cache("locks") / f"{digest(str(out.resolve()))[:24]}.lock"


@contextmanager
def _lock(out: Path) -> Iterator[None]:
    """One build at a time per output folder."""
    out.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"{out}: another build is writing this folder; try again when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_site(out: Path, outputs: dict[PurePosixPath, bytes]) -> bool:
    """
    Put `outputs` in place as the whole of `out`, never half-written: the new
    site is assembled beside it (unchanged files hard-linked, not copied) and
    swapped in with two renames. Returns False when nothing changed.
    """
    _recover(out)
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise BuildError(f"{out}: exists and was not written by site-gen; refusing to replace it")
    current = {PurePosixPath(p.relative_to(out).as_posix()) for p in out.rglob("*") if p.is_file()} \
        if out.exists() else set()
    unchanged = {path for path in outputs if path in current and _same(out / path, outputs[path])}
    if current == set(outputs) and unchanged == current:
        return False
    staging = out.parent / f".{out.name}.new"
    old = out.parent / f".{out.name}.old"
    shutil.rmtree(staging, ignore_errors=True)
    for site_path, data in sorted(outputs.items()):
        target = staging / site_path
        target.parent.mkdir(parents=True, exist_ok=True)
        if site_path in unchanged:
            os.link(out / site_path, target)
        else:
            target.write_bytes(data)
    if out.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old, ignore_errors=True)
    return True


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _recover(out: Path) -> None:
    """Put back the previous site if a build was killed between its two renames."""
    old = out.parent / f".{out.name}.old"
    if not out.exists() and old.exists():
        os.rename(old, out)


__all__ = ["build", "read", "write_site", "Report", "BuildError"]
