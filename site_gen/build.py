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
from .prose import Issue, ProseRenderer
from .split import source_lines, split

MARKER = ".site-gen"  # marks a folder as ours to replace
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
        site = Site(config, files, documents, templates, math, assets.katex_stylesheet)
        outputs = site.render_all(report.problems)
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
    """Renders every page of the site from gathered documents."""

    def __init__(self, config: Config, files: Files, documents: list[Document], templates: Templates,
                 math: KatexRenderer, katex_stylesheet: str) -> None:
        self.config = config
        self.files = files
        self.documents = documents
        self.templates = templates
        self.math = math
        self.katex_stylesheet = katex_stylesheet
        self.by_url = {d.source.url: d for d in documents}

    def render_all(self, problems: list[Problem]) -> dict[PurePosixPath, bytes]:
        outputs: dict[PurePosixPath, bytes] = {}
        for document in self.documents:
            outputs[document.source.url] = self.render_page(document, problems).encode()
        for folder in self.files.folders():
            index = folder / "index.html"
            if index not in outputs:
                outputs[index] = self.render_listing(folder).encode()
        outputs[PurePosixPath("sitemap.xml")] = self.templates.render(
            "sitemap.xml", urls=[self.canonical(url) for url in sorted(outputs, key=str) if url.suffix == ".html"]
        ).encode()
        outputs[PurePosixPath(MARKER)] = b"This folder is written by site-gen and replaced on every build.\n"
        return outputs

    def render_page(self, document: Document, problems: list[Problem]) -> str:
        source = document.source
        prose = ProseRenderer(self.math, self.files.resolver(source))
        highlighted = highlight_lines(document.text, len(document.lines)) if source.kind == "python" else []
        rows = []
        for number, section in enumerate(document.sections, start=1):
            html, issues = prose.render(section.doc)
            problems.extend(self._locate(document, section, issue) for issue in issues)
            rows.append(
                dict(
                    anchor=prose.section_anchor or f"section-{number}",
                    doc=Markup(html),
                    code=[(n, Markup(highlighted[n - 1])) for n in section.code_lines],
                    code_href=self.source_href(source, section.code_lines),
                    has_code=any(document.lines[n - 1].strip() for n in section.code_lines),
                )
            )
        return self.templates.render(
            "page.html",
            **self._common(source.url, document.title, document.summary),
            rows=rows,
            contents=[h for h in prose.headings if h.level > 1] if len(prose.headings) > 1 else [],
            source_path=str(source.path),
            source_href=self.source_href(source, []),
            listing=self._listing(source.url.parent) if source.rel.name == "__init__.py" else [],
            line_href=self.source_href(source, [0]).removesuffix("0"),
        )

    def render_listing(self, folder: PurePosixPath) -> str:
        url = folder / "index.html"
        title = folder.name or self.config.title
        return self.templates.render(
            "page.html",
            **self._common(url, title, ""),
            rows=[],
            contents=[],
            source_path="",
            source_href="",
            listing=self._listing(folder),
            line_href="",
        )

    def _listing(self, folder: PurePosixPath) -> list[dict]:
        """Pages below `folder`, grouped by folder, for an index page."""
        here = folder / "index.html"
        groups: dict[PurePosixPath, list[dict]] = {}
        for document in self.documents:
            url = document.source.url
            if url.name == "index.html" or (folder != PurePosixPath(".") and folder not in url.parents):
                continue  # a folder's own index is the heading of its group
            groups.setdefault(url.parent, []).append(
                dict(href=relative_url(url, here), title=document.title, summary=document.summary)
            )
        return [
            dict(name=self._folder_title(parent), href=relative_url(parent / "index.html", here),
                 summary=self._folder_summary(parent), pages=pages)
            for parent, pages in sorted(groups.items(), key=lambda item: str(item[0]))
        ]

    def _folder_summary(self, folder: PurePosixPath) -> str:
        index = self.by_url.get(folder / "index.html")
        return index.summary if index is not None else ""

    def _folder_title(self, folder: PurePosixPath) -> str:
        index = self.by_url.get(folder / "index.html")
        if index is not None:
            return index.title
        return folder.name or self.config.title

    def _common(self, url: PurePosixPath, title: str, summary: str) -> dict:
        home = PurePosixPath("index.html")
        crumbs = []
        for parent in reversed(url.parents):
            index = parent / "index.html"
            if index != url:
                crumbs.append(dict(title=self._folder_title(parent) if parent != PurePosixPath(".") else "Home",
                                   href=relative_url(index, url)))
        return dict(
            site_title=self.config.title,
            title=title,
            summary=summary,
            canonical=self.canonical(url),
            breadcrumbs=crumbs,
            home=relative_url(home, url),
            static=relative_url(site_assets.STATIC, url),
            katex_css=self.katex_stylesheet if "://" in self.katex_stylesheet
            else relative_url(self.katex_stylesheet, url),
            lang=self.config.default_language,
        )

    def canonical(self, url: PurePosixPath) -> str:
        path = str(url)
        if url.name == "index.html":
            path = path.removesuffix("index.html")
        return self.config.site_url + path if self.config.site_url else path

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
