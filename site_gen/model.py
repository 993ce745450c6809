"""
# Records that flow through the pipeline

Plain data, no logic. A `Section` is born in the splitter with its Markdown and
its source line numbers, and gains rendered HTML as it moves along; a `Page`
collects the sections of one source file with what the site needs to know about
it (title, summary, where it lives). The records between stages: `Source`
(discover → read), `LinkResult` (a link resolved against the file map),
`PageResult` (render → assemble); `Task` (plan → produce) lives in
[plan](plan.py), `Document` in [document](document.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath


@dataclass
class Section:
    """One row of a page: prose on the left, the code it explains on the right."""

    # Markdown of the prose; empty when the code has no comment
    doc: str = ""
    # Source line numbers consumed as prose (comment lines, docstring lines)
    doc_lines: list[int] = field(default_factory=list)
    # Source line numbers shown as code, in source order
    code_lines: list[int] = field(default_factory=list)

    @property
    def doc_line(self) -> int:
        """First source line of the prose, for error messages."""
        return self.doc_lines[0] if self.doc_lines else (self.code_lines or [1])[0]


@dataclass(frozen=True)
class Problem:
    """Something wrong in an input, reported as `path:line: message` (or `path:line:col: message`)."""

    path: str
    line: int
    message: str
    column: int = 0  # 0 when only the line is known

    def __str__(self) -> str:
        if not self.line:  # about a folder or file as a whole
            return f"{self.path}: {self.message}"
        where = f"{self.line}:{self.column}" if self.column else f"{self.line}"
        return f"{self.path}:{where}: {self.message}"


@dataclass
class Heading:
    level: int
    anchor: str
    text: str  # HTML (formulas rendered)
    plain: str = ""  # text only


@dataclass
class Source:
    """A file found in a source folder, before anything is rendered."""

    # Where the file is on disk, relative to the project (for messages and links)
    path: PurePosixPath
    # Where its page goes, relative to the site root (`optimizers/adam.html`)
    url: PurePosixPath
    # Where it lives in its source folder (`optimizers/adam.py`)
    rel: PurePosixPath
    # `python` or `markdown`
    kind: str
    # Title of the section of the site it belongs to (empty for the main content)
    group: str = ""
    # Whether its prose has translation tables
    translate: bool = True
    # Its translation table in each language's folder: `optimizers/adam.json`, under the
    # folder's prefix if it has one, `readme.md.json` when `readme.py` is beside it
    table: PurePosixPath | None = None

    def __post_init__(self) -> None:
        if self.table is None:
            self.table = self.rel.with_suffix(".json")


@dataclass
class LinkResult:
    """What a page's link resolver says about one link or image."""

    href: str  # the URL to publish
    problem: str | None = None  # a broken-link message, if any
    # A fragment to check once every page is rendered: (target page URL, fragment)
    anchor: tuple[str, str] | None = None


@dataclass
class PageResult:
    """What rendering one page produced: everything the build must keep (and cache)."""

    html: str
    problems: list[Problem] = field(default_factory=list)  # in the source or its translation table
    # Files referenced by the prose, to copy: site path → disk path
    assets: dict[str, str] = field(default_factory=dict)
    # Heading ids of each English section, for its translations
    anchors: dict[int, list[str]] = field(default_factory=dict)
    # The page's title, and its sections for the search index: anchor, heading, text, code names
    title: str = ""
    search: list[dict[str, str]] = field(default_factory=list)
    # Every id on the page, and the links into other pages' fragments: [path, line, url, page, fragment]
    ids: list[str] = field(default_factory=list)
    fragment_links: list[list] = field(default_factory=list)
    # The formulas the page shows, [tex, display]: their cache entries are still in use
    formulas: list[list] = field(default_factory=list)
    # The keys of its sections' prose as rendered (`SectionMemo`): their cache entries are still in use
    sections: list[str] = field(default_factory=list)
