"""
# Reading a source

`read` turns one file into a `Document`: the text decoded (honouring a
`# -*- coding: … -*-` declaration, replacing what cannot be decoded), split
into sections, and its title and summary found, from YAML front matter at the
top of the first prose, or else the first heading of the prose that opens the
file (its module docstring), or else the file name. The title stays Markdown
here (it is a unit to translate); pages show it as plain text.
Whatever is wrong with the file becomes a `Problem`; only a file that cannot be
read at all has no document.

A `Document` is plain data and converts to and from JSON, so the build can
keep it in its cache and skip this work when the file has not changed. It
holds its text compressed: every document is held from reading to the end of
the build (and by every worker), and only the page being rendered needs the
text itself.
"""

from __future__ import annotations

import ast
import re
import tokenize
import zlib
from dataclasses import dataclass
from functools import cached_property
from io import BytesIO
from pathlib import Path
from typing import Callable

from .cache import DamagedEntry, decode_value
from .model import Problem, Section, Source
from .grammar import headings
from .definitions import ModuleNames, module_names
from .split import source_lines, split, tree_or_error

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)


@dataclass
class Document:
    """A source file, read and split, before rendering."""

    source: Source
    # Its sections; for a document found in the cache, as stored (`encode_value`) until first used
    # (`sections`): an edit build renders a page or two, and decoding every page's was most of reading it
    stored_sections: list[Section] | bytes
    title: str
    summary: str
    # Its normalised text: as read (a document found in the cache), or UTF-8 and compressed
    # (`pack`: one a worker read and sends back, held by the build to its end); `text` gives it
    content: str | bytes = ""
    # What its code defines and reads, for links to definitions (a Python source that parses)
    names: ModuleNames | None = None

    @property
    def sections(self) -> list[Section]:
        if isinstance(self.stored_sections, bytes):
            self.stored_sections = _decoded_sections(self.stored_sections)
        return self.stored_sections

    @property
    def text(self) -> str:
        """Its text, unpacked anew on each call if packed: keep it in a local while it is needed."""
        if isinstance(self.content, str):
            return self.content
        return zlib.decompress(self.content).decode("utf-8", "surrogatepass") if self.content else ""

    @cached_property
    def lines(self) -> list[str]:
        """Its lines, split when first asked for and kept until `release`: while its page is rendered."""
        return source_lines(self.text)

    def release(self) -> None:
        """Forget the split lines (the text has them): a worker renders many pages, each needs only its own."""
        self.__dict__.pop("lines", None)

    def __getstate__(self) -> dict:
        # A document crossing to or from a worker leaves its split lines behind: the text has them
        return {name: value for name, value in self.__dict__.items() if name != "lines"}

    def to_json(self) -> tuple[dict, list]:
        """
        Everything but the source (which the build already knows) and the
        sections, then the sections: as `asdict` makes them but field by field and
        sharing their lists (to be encoded at once: `asdict` deep-copied every line
        number, a fifth of a cold build's cache work). Stored apart (`from_json`).
        """
        return (dict(title=self.title, summary=self.summary, names=vars(self.names).copy() if self.names else None),
                [vars(s).copy() for s in self.sections])

    def holds(self, number: int, text: str) -> bool:
        """Whether line `number` shows `text`: a docstring's prose has its tabs expanded (as `inspect.cleandoc` does)."""
        line = self.lines[number - 1]
        return text in line or ("\t" in line and text in line.expandtabs())

    @classmethod
    def from_json(cls, source: Source, text: str, data: dict, sections: bytes) -> Document:
        """The document `to_json` gave, its sections as stored (`encode_value`), decoded when first used."""
        names = ModuleNames(**data["names"]) if data["names"] else None
        return cls(source, sections, data["title"], data["summary"], text, names)  # in the build's process: not packed


def _decoded_sections(stored: bytes) -> list[Section]:
    """`DamagedEntry` for what `Document.to_json` did not make: they are read long after their entry's checksum."""
    try:
        sections = [Section(**section) for section in decode_value(stored)]
    except (ValueError, TypeError, RecursionError) as error:
        raise DamagedEntry(f"a document's sections do not decode ({type(error).__name__}: {error})") from None
    if not all(isinstance(s.doc, str) and all(type(n) is int for n in (*s.doc_lines, *s.code_lines)) for s in sections):
        raise DamagedEntry("a document's sections do not decode (not prose and line numbers)")
    return sections


def pack(text: str) -> bytes:
    """A document's text as it holds it: UTF-8 (lone surrogates kept), compressed fast; b"" for none."""
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 1) if text else b""


def read_text(path: Path, source: Source, problems: list[Problem]) -> str | None:
    """The normalised text of a source (`\\n` line ends, no NUL), or `None` if unreadable."""
    where = str(source.path)
    try:
        data = path.read_bytes()
    except OSError as error:
        problems.append(Problem(where, 1, f"cannot read file: {error.strerror or error}"))
        return None
    text = _decode(data, where, source.kind, problems)
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        problems.append(Problem(where, line, "NUL byte in source, shown as \ufffd"))
        text = text.replace("\0", "\ufffd")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# `front_matter(yaml, read)`: `read(yaml)` (`read_front_matter`), or what it gave an earlier build for that YAML
FrontMatter = Callable[[str, Callable[[str], list]], list]


def parse(source: Source, text: str, problems: list[Problem],
          front_matter: FrontMatter = lambda yaml, read: read(yaml), comment_rows: list[int] | None = None) -> Document:
    """
    Split normalised text into a document and find its title and summary;
    `comment_rows`, if given, receives the lines known to be whole-line comments (`split`).
    """
    path = str(source.path)
    lines = source_lines(text)
    names = None
    if source.kind == "python":
        tree = tree_or_error(text)  # parsed once: the splitter and the definitions both read the tree
        sections, found = split(text, path, tree, comment_rows)
        problems.extend(found)
        try:
            names = module_names(tree, source, text) if isinstance(tree, ast.Module) else None
        except RecursionError:  # an expression Python parses but nests deeper than our walk of it may go
            problems.append(Problem(path, 1, "nested too deeply to find its definitions: its names link nowhere"))
    else:
        sections = [Section(text, list(range(1, len(lines) + 1)), [])]
    title, summary = _front_matter(sections, lines, path, problems, front_matter)
    title = title or _first_heading(_module_prose(sections, lines)) or _default_title(source)
    summary = summary or ""
    return Document(source, sections, title.strip(), summary.strip(), pack(text), names)


def read(root: Path, source: Source, problems: list[Problem]) -> Document | None:
    """Read and split one source; `None` (with a problem) if it cannot be read."""
    text = read_text(root / source.path, source, problems)
    return None if text is None else parse(source, text, problems)


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


def _front_matter(sections: list[Section], lines: list[str], path: str, problems: list[Problem],
                  remembered: FrontMatter) -> tuple[str | None, str | None]:
    """The title and summary of YAML between `---` lines at the top of the first prose; removed from it."""
    first = next((s for s in sections if s.doc), None)
    if first is None:
        return None, None
    match = _FRONT_MATTER.match(first.doc)
    if not match:
        return None, None
    first.doc = first.doc[match.end() :].lstrip("\n")
    title, summary, problem = remembered(match.group(1), read_front_matter)
    if problem is not None:
        below, message = problem
        # Counted from the opening `---`: on the docstring's first line (`"""---`) or below it (`r"""` alone)
        opening = next((n for n in first.doc_lines if lines[n - 1].strip(' \t#rRuU"\'') == "---"), first.doc_line)
        problems.append(Problem(path, opening + below, message))
    return title, summary


def read_front_matter(yaml: str) -> list:
    """
    `[title, summary, problem]` of front matter (each None if absent; the
    problem `[lines below the first prose line, message]`): JSON, so that
    later builds can remember it.
    """
    import yaml as pyyaml  # only documents with front matter need it

    try:
        meta = pyyaml.safe_load(yaml)
        if not isinstance(meta, dict):
            return [None, None, [0, "front matter must be a mapping (title: …, summary: …)"]]
        return [str(meta["title"]) if meta.get("title") else None,
                str(meta["summary"]) if meta.get("summary") else None, None]
    except pyyaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return [None, None, [1 + (mark.line if mark else 0),
                             f"front matter is not valid YAML: {getattr(error, 'problem', error)}"]]
    except RecursionError:  # PyYAML reads nested collections recursively
        return [None, None, [0, "front matter nests too deeply to read"]]


def _module_prose(sections: list[Section], lines: list[str]) -> str:
    """The prose at the top of the file (module docstring or first comments), if any."""
    for section in sections:
        if section.doc:
            before = [n for n in section.code_lines if n < section.doc_line]
            return section.doc if all(not lines[n - 1].strip() for n in before) else ""
        if any(lines[n - 1].strip() for n in section.code_lines):
            return ""
    return ""


def _first_heading(markdown: str) -> str:
    """The Markdown of the first heading, never one inside code or a comment."""
    return next((text for _, text in headings(markdown)), "")


def _default_title(source: Source) -> str:
    if source.rel.name == "__init__.py":
        return source.rel.parent.name or source.group or "Home"
    return source.rel.stem if source.kind == "python" else source.rel.name
