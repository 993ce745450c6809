"""
# Planning the outputs

The fourth stage. In: the settings, the files and the read documents; the
translation tables are read here for the pages (the audit
of `translate check` reads them on its own). Out: a `Plan`: one `Task` per
output (a source's page or a folder's listing, in each language), the default
language's first, with what the tasks of a language share (every page's
title, the interface table), the reading order of the pages (remembered
until a page moves or a guide's prose changes) and the problems of an
interface table that cannot be used.

A task is a record of everything its output depends on: the source's record
and text, its translation table (the text itself, which rendering parses and
whose problems it reports), the interface table, the settings and templates,
and the titles, URLs and files of the rest of the site (which listings, links
and navigation show). Its cache key is the hash of the whole record, so the
cache cannot miss an input: what rendering uses is in the record, and what is
in the record is in the key. What every page of a language shares (the other
pages' titles, the interface table) is too big to copy into each task: the
`Plan` holds it once, for the renderer, and each task its digest. A translated
page also carries the English heading ids it reuses (`with_anchors`), so
anchors work in every language; they are known once the English pages are
rendered.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Callable

from .cache import Cache, Remember, digest, recompute
from .config import Config
from .document import Document
from .files import Files
from .model import Problem
from .definitions import Definitions
from .navigation import is_guide, reading_order
from .translate import UI_TABLE, Table, TableText, read_table, table_digest, table_path, usable_table

# A page's title and summary in one language (Markdown, translated where a translation is published),
# and whether its title is translated
Titles = dict[PurePosixPath, tuple[str, str, bool]]


@dataclass(frozen=True)
class Task:
    """One output to produce, with (digests of) everything it is made from."""

    kind: str  # "page" or "listing"
    lang: str
    path: PurePosixPath  # where it goes in the site
    url: PurePosixPath  # language-neutral: the source's page, or the folder's index
    source: str = ""  # the Source record, its text and what it shows of definitions (pages)
    table: TableText | None = None  # the page's translation table in `lang`, and its review list
    ui: str = ""  # the interface table in `lang` (held by the `Plan`)
    settings: str = ""  # settings and templates
    structure: str = ""  # every page's title and URL in `lang` (held by the `Plan`), the reading order, every file
    anchors: tuple[tuple[str, ...], ...] = ()  # English heading ids of each section (translated pages)

    def key(self, cache: Cache) -> str:
        # Every field, one level deep (`asdict` would copy the whole record first); the table by its digest,
        # made once for the plan's titles
        record = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.table is not None:
            record["table"] = table_digest(self.table)
        return cache.key(self.kind, json.dumps(record, default=_jsonable, sort_keys=True))


def _jsonable(value: object) -> object:
    return asdict(value) if is_dataclass(value) else str(value)


@dataclass
class Plan:
    """The tasks of every language, the default language's first, and what the tasks of a language share."""

    tasks: list[list[Task]] = field(default_factory=list)
    titles: dict[str, Titles] = field(default_factory=dict)  # by language
    interface: dict[str, Table] = field(default_factory=dict)  # by language; none for the default
    problems: list[Problem] = field(default_factory=list)  # interface tables that cannot be used
    order: list[PurePosixPath] = field(default_factory=list)  # every page, in reading order


def plan(config: Config, files: Files, documents: list[Document],
         definitions: Definitions, remember: Remember = recompute,
         read: Callable[[Path], TableText] = read_table) -> Plan:
    """`read`: how a translation table is read (the build's reads each once for the plan and the audit)."""
    result = Plan(order=_reading_order(documents, config.nav, remember))
    settings = settings_digest(config)
    order = "\n".join(str(url) for url in result.order)  # previous/next links and the site's tree
    shared = digest(files.map.listing(), order)  # links, the tree
    # Once, whatever the languages: a page's source and text, and what it shows of definitions (code links, "used in")
    sources = [digest(repr(d.source), d.text, definitions.fingerprint(d.source.url)) for d in documents]
    for lang in config.languages:
        tables = {d.source.url: read(table_path(config.translations, lang, d.source.table))
                  for d in documents if config.translated(d.source.translate, lang)}
        ui = "" if lang == config.default_language else _interface(config, lang, result, read)
        result.titles[lang] = titles = _titles(documents, tables, remember)
        structure = digest(shared, repr(sorted(titles.items())))
        result.tasks.append(_tasks(config, files, documents, sources, tables, lang, ui, settings, structure))
    return result


def _reading_order(documents: list[Document], nav: list[str], remember: Remember) -> list[PurePosixPath]:
    """The reading order, remembered: it depends on where every page is and on what the guides link."""
    inputs = json.dumps([nav, [[repr(d.source), [s.doc for s in d.sections] if is_guide(d.source) else None]
                               for d in documents]], ensure_ascii=False)
    return remember("order", inputs, lambda: reading_order(documents, nav),
                    lambda order: [str(url) for url in order], _urls)


def _urls(urls: list) -> list[PurePosixPath]:
    """A remembered order; `ValueError` (a miss, never a crash) for anything else."""
    if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
        raise ValueError("not a list of page URLs")
    return [PurePosixPath(url) for url in urls]


def _interface(config: Config, lang: str, result: Plan, read: Callable[[Path], TableText]) -> str:
    """The digest of a language's interface table, kept (with its problem, if broken) in `result`."""
    table = read(config.translations / lang / UI_TABLE)
    result.interface[lang], problems = usable_table(table)
    result.problems += problems
    return table_digest(table)


def settings_digest(config: Config) -> str:
    return digest(
        repr((config.site_url, config.repo_url, config.branch, config.title, config.languages, config.equation_numbers,
              sorted(config.language_names.items()), [(str(s.dir), s.prefix, s.title, s.translate)
                                                      for s in config.sources])),
        _folder_digest(config.templates),
    )


def _tasks(config: Config, files: Files, documents: list[Document], sources: list[str],
           tables: dict[PurePosixPath, TableText], lang: str, ui: str, settings: str, structure: str) -> list[Task]:
    """`sources`: the digest of each document's source record, text and definitions shown."""
    folder = config.language_folder(lang)
    tasks = []
    for document, source_digest in zip(documents, sources):
        source = document.source
        tasks.append(Task("page", lang, folder / source.url, source.url, source_digest,
                          tables.get(source.url), ui, settings, structure))
    pages = {d.source.url for d in documents}
    for index_page in (f / "index.html" for f in files.folders()):
        if index_page not in pages:
            tasks.append(Task("listing", lang, folder / index_page, index_page, ui=ui, settings=settings,
                              structure=structure))
    return tasks


def with_anchors(task: Task, english: dict[PurePosixPath, dict[int, list[str]]]) -> Task:
    """A translated page's task, given the heading ids of each section of its English page."""
    anchors = english.get(task.url)
    if task.kind != "page" or anchors is None:
        return task
    return replace(task, anchors=tuple(tuple(anchors.get(n, ())) for n in range(1, max(anchors, default=0) + 1)))


def _titles(documents: list[Document], tables: dict[PurePosixPath, TableText], remember: Remember = recompute) -> Titles:
    """
    Titles and summaries of every page, translated where `tables` has a
    page's table: listings and links show them. Remembered for each table,
    title and summary: an edit build parses no table but the edited page's.
    """
    titles = {}
    for document in documents:
        read = tables.get(document.source.url)
        if read is None:
            titles[document.source.url] = (document.title, document.summary, False)
            continue
        inputs = json.dumps([table_digest(read), document.title, document.summary], ensure_ascii=False)
        titles[document.source.url] = remember("titles", inputs, lambda: _translated_titles(document, read),
                                               list, _titles_shape)
    return titles


def _translated_titles(document: Document, read: TableText) -> tuple[str, str, bool]:
    table = usable_table(read)[0]  # a broken table is reported by its page
    return (translated(table, document.title), translated(table, document.summary),
            table.get(document.title) is not None)


def _titles_shape(value: list) -> tuple[str, str, bool]:
    """Remembered titles; `ValueError` (a miss) for anything else."""
    title, summary, translated_title = value
    if not (isinstance(title, str) and isinstance(summary, str) and isinstance(translated_title, bool)):
        raise ValueError("not a page's titles")
    return title, summary, translated_title


def translated(table: Table | None, english: str,
               counted: Callable[[str, bool], None] = lambda unit, found: None) -> str:
    """A title or summary as published: its translation when `table` has one, else the English."""
    if table is None or not english:
        return english
    translation = table.get(english)
    counted(english, translation is not None)
    return translation or english


def _folder_digest(folder: Path) -> str:
    """The templates pages are made from; `static/` is only copied, so it does not count."""
    if not folder.is_dir():
        return ""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "static" not in p.relative_to(folder).parts)
    return digest(*(part for p in files for part in (str(p.relative_to(folder)), p.read_bytes())))
