"""
# Building the site

`build(config)` reads like the table of contents of the generator:

1. **gather**: find every source and read it (`read`), so that every page's
   title and URL is known before any page is rendered;
2. **render**: turn each source into a page (`render_page`), then write a
   listing for every folder, the home page and `sitemap.xml`;
3. **write**: put the whole site in place at once (`write_site`).

Problems in the input (a LaTeX error, a broken link, a file that is not UTF-8)
never stop the build: they are collected as `path:line: message` and every good
page is still written. This is the only module that writes files.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import time
import tokenize
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

import yaml
from markupsafe import Markup

from . import assets as site_assets
from .config import Config
from .files import Files, discover, relative_url
from .highlight import highlight_lines
from .math import KatexRenderer
from .model import Heading, Problem, Section, Source
from .page import Templates
from .prose import Issue, ProseRenderer, mark_untranslated
from .split import source_lines, split
from .translate import Table, Translations, has_words, split_units

MARKER = ".site-gen"  # marks a folder as ours to replace
# Interface strings used by this module rather than by the templates
HOME = "Home"
UNTRANSLATED_NOTICE = "Not translated yet; shown in English."
CODE_STRINGS = (HOME, UNTRANSLATED_NOTICE)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)


class BuildError(Exception):
    """The build cannot start or finish (as opposed to a problem in one input)."""


@dataclass
class Document:
    """A source file, read and split, before rendering."""

    source: Source
    lines: list[str]
    sections: list[Section]
    title: str
    summary: str
    text: str = ""


@dataclass
class Report:
    pages: int = 0
    formulas: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def build(config: Config, log: Callable[[str], None] = lambda line: None) -> Report:
    """Build the whole site into `config.out`."""
    started = time.perf_counter()
    report = Report()
    _check_out(config)
    with _lock(config.out):
        files = Files(config, discover(config))
        documents = [doc for source in files.sources if (doc := read(config, source, report.problems))]
        math = KatexRenderer()
        templates = Templates(config.templates)
        assets = site_assets.collect(config.templates)
        if assets.note:
            report.notes.append(assets.note)
        translations = Translations(config.translations)
        site = Site(config, files, documents, templates, math, assets.katex_stylesheet, translations)
        outputs = site.render_all(report.problems)
        report.problems.extend(translations.problems)
        outputs.update(assets.files)
        for site_path, disk in sorted(files.assets.items()):
            outputs[site_path] = disk.read_bytes()
        write_site(config.out, outputs)
        report.pages = len(documents)
        report.formulas = math.rendered
    report.problems.sort(key=lambda p: (p.path, p.line, p.message))
    report.seconds = time.perf_counter() - started
    return report


def read(config: Config, source: Source, problems: list[Problem]) -> Document | None:
    """Read and split one source; `None` (with a problem) if it cannot be read."""
    path = str(source.path)
    try:
        data = (config.root / source.path).read_bytes()
    except OSError as error:
        problems.append(Problem(path, 1, f"cannot read file: {error.strerror or error}"))
        return None
    text = _decode(data, path, source.kind, problems)
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        problems.append(Problem(path, line, "NUL byte in source, shown as \ufffd"))
        text = text.replace("\0", "\ufffd")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = source_lines(text)
    if source.kind == "python":
        sections, found = split(text, path)
        problems.extend(found)
    else:
        sections = [Section(text, list(range(1, len(lines) + 1)), [])]
    meta = _front_matter(sections, path, problems)
    title = str(meta.get("title") or _first_heading(sections) or _default_title(source))
    summary = str(meta.get("summary") or "")
    return Document(source, lines, sections, title.strip(), summary.strip(), text)


def _decode(data: bytes, path: str, kind: str, problems: list[Problem]) -> str:
    encoding = "utf-8"
    if kind == "python":
        try:
            encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
        except SyntaxError as error:
            problems.append(Problem(path, 1, f"bad encoding declaration: {error}"))
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        where = data[: getattr(error, "start", 0)]
        line = where.count(b"\n") + 1
        problems.append(Problem(path, line, f"not valid {encoding}: {error}; shown with replacement characters"))
        return data.decode("utf-8", "replace")


def _front_matter(sections: list[Section], path: str, problems: list[Problem]) -> dict:
    """YAML between `---` lines at the top of the first prose; removed from it."""
    first = next((s for s in sections if s.doc), None)
    if first is None:
        return {}
    match = _FRONT_MATTER.match(first.doc)
    if not match:
        return {}
    first.doc = first.doc[match.end() :].lstrip("\n")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = first.doc_line + 1 + (mark.line if mark else 0)
        problems.append(Problem(path, line, f"front matter is not valid YAML: {getattr(error, 'problem', error)}"))
        return {}
    if not isinstance(meta, dict):
        problems.append(Problem(path, first.doc_line, "front matter must be a mapping (title: …, summary: …)"))
        return {}
    return meta


def _first_heading(sections: list[Section]) -> str:
    for section in sections:
        match = _HEADING.search(section.doc)
        if match:
            return match.group(1)
    return ""


def _default_title(source: Source) -> str:
    if source.rel.name == "__init__.py":
        return source.rel.parent.name or source.group or "Home"
    return source.rel.stem if source.kind == "python" else source.rel.name


class Site:
    """Renders every page of the site, in every language, from gathered documents."""

    def __init__(self, config: Config, files: Files, documents: list[Document], templates: Templates,
                 math: KatexRenderer, katex_stylesheet: str, translations: Translations) -> None:
        self.config = config
        self.files = files
        self.documents = documents
        self.templates = templates
        self.math = math
        self.katex_stylesheet = katex_stylesheet
        self.translations = translations
        self.default = config.default_language
        self.by_url = {d.source.url: d for d in documents}
        # Heading ids of each English section, reused by its translations: (page, section) → ids
        self.anchors: dict[tuple[PurePosixPath, int], list[str]] = {}

    # ### Rendering everything

    def render_all(self, problems: list[Problem]) -> dict[PurePosixPath, bytes]:
        outputs: dict[PurePosixPath, bytes] = {}
        pages: list[PurePosixPath] = []
        # The default language first: its heading ids are reused by the others
        for lang in self.config.languages:
            folder = self.language_folder(lang)
            for document in self.documents:
                outputs[folder / document.source.url] = self.render_page(document, lang, problems).encode()
            for index in self._folder_indexes():
                if folder / index not in outputs:
                    outputs[folder / index] = self.render_listing(index.parent, lang).encode()
        pages = sorted({d.source.url for d in self.documents} | set(self._folder_indexes()), key=str)
        outputs[PurePosixPath("sitemap.xml")] = self.templates.render(
            "sitemap.xml",
            entries=[dict(loc=self.canonical(url, lang), alternates=self.alternates(url))
                     for url in pages for lang in self.config.languages],
        ).encode()
        outputs[PurePosixPath(MARKER)] = b"This folder is written by site-gen and replaced on every build.\n"
        return outputs

    def _folder_indexes(self) -> list[PurePosixPath]:
        return [folder / "index.html" for folder in self.files.folders()]

    def language_folder(self, lang: str) -> PurePosixPath:
        return PurePosixPath(".") if lang == self.default else PurePosixPath(lang)

    # ### One page

    def render_page(self, document: Document, lang: str, problems: list[Problem]) -> str:
        source = document.source
        url = self.language_folder(lang) / source.url
        table = self.translations.page(lang, source.rel) if self._translated(source, lang) else None
        gettext = self.gettext(lang)
        prose = ProseRenderer(self.math, self.files.resolver(source, self.language_folder(lang)), lang=lang,
                              untranslated_notice=gettext(UNTRANSLATED_NOTICE))
        coverage = Coverage()
        highlighted = highlight_lines(document.text, len(document.lines)) if source.kind == "python" else []
        rows = []
        for number, section in enumerate(document.sections, start=1):
            doc = section.doc if table is None else translate_prose(section.doc, table, coverage)
            before = len(prose.headings)
            html, issues = prose.render(doc, anchors=self.anchors.get((source.url, number)))
            if lang == self.default:
                self.anchors[(source.url, number)] = [h.anchor for h in prose.headings[before:]]
                problems.extend(self._locate(document, section, issue) for issue in issues)
            elif table is not None:
                problems.extend(Problem(str(table.path), 1, f"{issue.message} (in a translation of {source.path})")
                                for issue in issues if issue.needle not in section.doc)
            rows.append(
                dict(
                    anchor=prose.section_anchor or f"section-{number}",
                    doc=Markup(html),
                    code=[(n, Markup(highlighted[n - 1])) for n in section.code_lines],
                    code_href=self.source_href(source, section.code_lines),
                    has_code=any(document.lines[n - 1].strip() for n in section.code_lines),
                )
            )
        title = self.title(document, lang, coverage)
        summary = self.summary(document, lang, coverage)
        return self.templates.render(
            "page.html",
            gettext,
            **self._common(source.url, lang, title, summary),
            rows=rows,
            contents=[h for h in prose.headings if h.level > 1] if len(prose.headings) > 1 else [],
            source_path=str(source.path),
            source_href=self.source_href(source, []),
            listing=self._listing(source.url.parent, lang) if source.rel.name == "__init__.py" else [],
            line_href=self.source_href(source, [0]).removesuffix("0"),
            content_lang=lang if (lang == self.default or source.translate) else self.default,
            coverage=coverage if table is not None and coverage.done < coverage.total else None,
            english_only=lang != self.default and not source.translate,
        )

    def render_listing(self, folder: PurePosixPath, lang: str) -> str:
        url = folder / "index.html"
        title = self._folder_title(folder, lang)
        return self.templates.render(
            "page.html",
            self.gettext(lang),
            **self._common(url, lang, title, ""),
            rows=[],
            contents=[],
            source_path="",
            source_href="",
            listing=self._listing(folder, lang),
            line_href="",
            content_lang=lang,
            coverage=None,
            english_only=False,
        )

    def _translated(self, source: Source, lang: str) -> bool:
        return lang != self.default and source.translate

    def title(self, document: Document, lang: str, coverage: Coverage | None = None) -> str:
        return self._unit(document, lang, document.title, coverage)

    def summary(self, document: Document, lang: str, coverage: Coverage | None = None) -> str:
        return self._unit(document, lang, document.summary, coverage) if document.summary else ""

    def _unit(self, document: Document, lang: str, english: str, coverage: Coverage | None) -> str:
        if not self._translated(document.source, lang):
            return english
        translation = self.translations.page(lang, document.source.rel).get(english)
        if coverage is not None:
            coverage.count(translation is not None)
        return translation or english

    def gettext(self, lang: str) -> Callable[[str], str]:
        if lang == self.default:
            return lambda text: text
        table = self.translations.ui(lang)
        return lambda text: table.get(text) or text

    # ### Listings, breadcrumbs, links

    def _listing(self, folder: PurePosixPath, lang: str) -> list[dict]:
        """Pages below `folder`, grouped by folder, for an index page."""
        here = folder / "index.html"
        groups: dict[PurePosixPath, list[dict]] = {}
        for document in self.documents:
            url = document.source.url
            if url.name == "index.html" or (folder != PurePosixPath(".") and folder not in url.parents):
                continue  # a folder's own index is the heading of its group
            groups.setdefault(url.parent, []).append(
                dict(href=relative_url(url, here), title=self.title(document, lang),
                     summary=self.summary(document, lang))
            )
        return [
            dict(name=self._folder_title(parent, lang), href=relative_url(parent / "index.html", here),
                 summary=self._folder_summary(parent, lang), pages=pages)
            for parent, pages in sorted(groups.items(), key=lambda item: str(item[0]))
        ]

    def _folder_title(self, folder: PurePosixPath, lang: str) -> str:
        index = self.by_url.get(folder / "index.html")
        if index is not None:
            return self.title(index, lang)
        return folder.name or self.gettext(lang)(self.config.title)

    def _folder_summary(self, folder: PurePosixPath, lang: str) -> str:
        index = self.by_url.get(folder / "index.html")
        return self.summary(index, lang) if index is not None else ""

    def _common(self, url: PurePosixPath, lang: str, title: str, summary: str) -> dict:
        """What every page shows around its content. `url` is language-neutral."""
        gettext = self.gettext(lang)
        page = self.language_folder(lang) / url
        crumbs = []
        for parent in reversed(url.parents):
            index = parent / "index.html"
            if index != url:
                name = self._folder_title(parent, lang) if parent != PurePosixPath(".") else gettext(HOME)
                crumbs.append(dict(title=name, href=relative_url(self.language_folder(lang) / index, page)))
        return dict(
            site_title=gettext(self.config.title),
            title=title,
            summary=summary,
            canonical=self.canonical(url, lang),
            alternates=self.alternates(url),
            languages=[
                dict(code=other, name=self.config.language_names.get(other, other),
                     href=relative_url(self.language_folder(other) / url, page), current=other == lang)
                for other in self.config.languages
            ] if len(self.config.languages) > 1 else [],
            breadcrumbs=crumbs,
            home=relative_url(self.language_folder(lang) / "index.html", page),
            static=relative_url(site_assets.STATIC, page),
            katex_css=self.katex_stylesheet if "://" in self.katex_stylesheet
            else relative_url(self.katex_stylesheet, page),
            lang=lang,
        )

    def canonical(self, url: PurePosixPath, lang: str) -> str:
        path = str(self.language_folder(lang) / url)
        if url.name == "index.html":
            path = path.removesuffix("index.html")
        return self.config.site_url + path if self.config.site_url else path

    def alternates(self, url: PurePosixPath) -> list[dict]:
        """`hreflang` links to the page in every language, and the default for others."""
        if len(self.config.languages) < 2:
            return []
        links = [dict(hreflang=lang, href=self.canonical(url, lang)) for lang in self.config.languages]
        return links + [dict(hreflang="x-default", href=self.canonical(url, self.default))]

    def source_href(self, source: Source, lines: list[int]) -> str:
        if not self.config.repo_url:
            return ""
        href = f"{self.config.repo_url}/blob/{self.config.branch}/{source.path}"
        if lines:
            first, last = min(lines), max(lines)
            href += f"#L{first}" if first == last else f"#L{first}-L{last}"
        return href

    def _locate(self, document: Document, section: Section, issue: Issue) -> Problem:
        """Find the source line an issue is about, from the text it quotes."""
        needle = next((part.strip() for part in issue.needle.split("\n") if part.strip()), "")
        candidates = sorted(section.doc_lines) or section.code_lines
        line = next((n for n in candidates if needle and needle in document.lines[n - 1]), section.doc_line)
        return Problem(str(document.source.path), line, issue.message)


@dataclass
class Coverage:
    """How many units of a translated page have a translation."""

    done: int = 0
    total: int = 0

    def count(self, translated: bool) -> None:
        self.total += 1
        self.done += translated


def translate_prose(doc: str, table: Table, coverage: Coverage) -> str:
    """The prose of a section with each unit replaced by its translation, if it has one."""
    parts = []
    for unit in split_units(doc):
        if not has_words(unit):
            parts.append(unit)  # only formulas or code: the same in every language
            continue
        translation = table.get(unit)
        coverage.count(translation is not None)
        parts.append(translation if translation is not None else mark_untranslated(unit))
    return "\n\n".join(parts)


def _check_out(config: Config) -> None:
    """The output folder is replaced whole, so it must hold nothing else of ours."""
    out = config.out
    for root in [config.root, *(r.dir for r in config.sources)]:
        if root == out or out in root.parents:
            raise BuildError(f"{out}: the output folder contains the sources ({root}); choose another --out")


@contextmanager
def _lock(out: Path) -> Iterator[None]:
    """One build at a time per output folder."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out.parent / f".{out.name}.lock"
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"{out}: another build is writing this folder; try again when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_site(out: Path, outputs: dict[PurePosixPath, bytes]) -> None:
    """Write the site beside `out`, then swap it in: `out` is never half-written."""
    _recover(out)
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise BuildError(f"{out}: exists and was not written by site-gen; refusing to replace it")
    staging = out.parent / f".{out.name}.new"
    old = out.parent / f".{out.name}.old"
    shutil.rmtree(staging, ignore_errors=True)
    for site_path, data in outputs.items():
        target = staging / site_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    with open(staging / MARKER, "rb") as marker:
        os.fsync(marker.fileno())
    if out.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def _recover(out: Path) -> None:
    """Put back the previous site if a build was killed between its two renames."""
    old = out.parent / f".{out.name}.old"
    if not out.exists() and old.exists():
        os.rename(old, out)


__all__ = ["build", "read", "write_site", "Report", "BuildError", "Heading"]
