"""
# Planning the outputs

The fourth stage. In: the settings, the files, the read documents, the
translation tables and the static assets. Out: one `Task` per output (a
source's page or a folder's listing, in each language), the default
language's first.

A task is a record of everything its output depends on: the source's record
and text, its translation table, the interface table, the settings and
templates, and the titles, URLs and files of the rest of the site (which
listings, links and navigation show). Its cache key is the hash of the whole
record, so the cache cannot miss an input: what rendering uses is in the
record, and what is in the record is in the key. A translated page also
carries the English heading ids it reuses (`with_anchors`), so anchors work
in every language; they are known once the English pages are rendered.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path, PurePosixPath

from .assets import Assets
from .cache import Cache, digest
from .config import Config
from .document import Document
from .files import Files
from .model import PageResult
from .definitions import Definitions
from .navigation import reading_order
from .translate import Translations


@dataclass(frozen=True)
class Task:
    """One output to produce, with (digests of) everything it is made from."""

    kind: str  # "page" or "listing"
    lang: str
    path: PurePosixPath  # where it goes in the site
    url: PurePosixPath  # language-neutral: the source's page, or the folder's index
    source: str = ""  # the Source record and its text (pages)
    table: str = ""  # the page's translation table in `lang`, and its review list
    ui: str = ""  # the interface table in `lang`
    settings: str = ""  # settings, templates and KaTeX stylesheet
    structure: str = ""  # every page's title and URL in `lang`, the reading order, every file
    anchors: tuple[tuple[str, ...], ...] = ()  # English heading ids of each section (translated pages)

    def key(self, cache: Cache) -> str:
        return cache.key(self.kind, json.dumps(asdict(self), default=str, sort_keys=True))


def plan(config: Config, files: Files, documents: list[Document], translations: Translations,
         assets: Assets, definitions: Definitions) -> list[list[Task]]:
    """The tasks of every language, the default language's first."""
    settings = settings_digest(config, assets)
    order = "\n".join(str(url) for url in reading_order(documents, config.nav))  # previous/next links and the site's tree
    linked = definitions.fingerprint()  # code links and "used in" lists
    return [_tasks(config, files, documents, translations, lang, settings,
                   digest(files.map.listing(), order, linked, _titles(config, documents, translations, lang)))
            for lang in config.languages]


def settings_digest(config: Config, assets: Assets) -> str:
    return digest(
        repr((config.site_url, config.repo_url, config.branch, config.title, config.languages, config.equation_numbers,
              sorted(config.language_names.items()), [(str(s.dir), s.prefix, s.title, s.translate)
                                                      for s in config.sources])),
        assets.katex_stylesheet,
        _folder_digest(config.templates),
    )


def _tasks(config: Config, files: Files, documents: list[Document], translations: Translations, lang: str,
           settings: str, structure: str) -> list[Task]:
    default = lang == config.default_language
    ui = "" if default else digest(translations.fingerprint(lang, None))
    folder = config.language_folder(lang)
    tasks = []
    for document in documents:
        source = document.source
        table = (digest(translations.fingerprint(lang, source.table))
                 if config.translated(source.translate, lang) else "")
        tasks.append(Task("page", lang, folder / source.url, source.url, digest(repr(source), document.text),
                          table, ui, settings, structure))
    pages = {d.source.url for d in documents}
    for index_page in (f / "index.html" for f in files.folders()):
        if index_page not in pages:
            tasks.append(Task("listing", lang, folder / index_page, index_page, ui=ui, settings=settings,
                              structure=structure))
    return tasks


def with_anchors(task: Task, english: dict[PurePosixPath, PageResult]) -> Task:
    """A translated page's task, given the heading ids of its English page."""
    result = english.get(task.url)
    if task.kind != "page" or result is None:
        return task
    return replace(task, anchors=tuple(tuple(result.anchors.get(n, ())) for n in range(1, max(result.anchors, default=0) + 1)))


def _titles(config: Config, documents: list[Document], translations: Translations, lang: str) -> str:
    """Titles and summaries of every page in `lang`: listings and links show them."""
    rows = []
    for document in documents:
        source = document.source
        title, summary = document.title, document.summary
        if config.translated(source.translate, lang):
            title = translations.lookup(lang, source.table, title) or title
            summary = (translations.lookup(lang, source.table, summary) or summary) if summary else ""
        rows.append(f"{source.url}\t{title}\t{summary}")
    return "\n".join(rows)


def _folder_digest(folder: Path) -> str:
    """The templates pages are made from; `static/` is only copied, so it does not count."""
    if not folder.is_dir():
        return ""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "static" not in p.relative_to(folder).parts)
    return digest(*(part for p in files for part in (str(p.relative_to(folder)), p.read_bytes())))
