"""
# Reading the sources

The second stage. In: the sources found (`Source` records). Out: a
`Reading`: one `Document` per readable source (split into sections, front
matter read, title and summary known) and its code highlighted, once for
every language, the units a translation table of it holds (on a site with
translations), and the problems found on the way. Splitting is skipped for a
source the cache has seen: its key is the whole `Source` record and the text
(and whether units are wanted), so a new root title or prefix is never
answered from the cache. Each source is read once, whatever the number of
languages.

A source's highlighted code is most of its cache entry and only its own
page needs it, so it is stored apart and read only when the page is rendered
(`Reading.load`): an edit build reads the code of the pages it renders, not of
the whole site. It is stored under a key of the code alone: Pygments lexes the
text with each run of comment lines the page shows as prose folded into one
line, `#` (`code_view`), and a page whose prose was edited, even by lines added
or removed, finds its code highlighted already. A source's YAML front matter is
remembered by its text (`FrontMatterMemo`), so a page edited below it is read
without PyYAML, which takes longer to import than the page takes to split.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from functools import partial
from pathlib import PurePosixPath
from typing import Callable

from .cache import Cache, encode_parts, encode_value
from .config import Config
from .document import Document, parse, read_text
from .split import source_lines
from .model import Problem, Source
from .translate import units_of
from .workers import in_parallel


@dataclass(frozen=True)
class Reading:
    documents: list[Document]
    # The highlighted code of each Python source, by page URL, compressed (`highlighted` unpacks it): held from
    # reading to the end of the build, and by every worker, as lists of lines it was a third of a build's memory.
    # None: in the cache, not read yet (`load`)
    code: dict[PurePosixPath, bytes | None]
    # The translation units of each source that is translated, by page URL (a site with one language has none)
    units: dict[PurePosixPath, list[str]]
    # A source's highlighted lines from the cache, a line per source line (None if it does not hold them,
    # or in another process)
    stored: Callable[[PurePosixPath], list[str] | None] = lambda url: None

    def load(self, urls: list[PurePosixPath]) -> None:
        """
        Read the code of these pages from the cache (in the build's own
        process, before workers are forked: they cannot use its connection);
        highlighted afresh if the cache no longer has it.
        """
        for url in urls:
            if url in self.code and self.code[url] is None:
                lines = self.stored(url)
                if lines is None:
                    document = next(d for d in self.documents if d.source.url == url)
                    text = document.text
                    comment_rows: list[int] = []
                    parse(document.source, text, [], comment_rows=comment_rows)  # split again: the cache lost it
                    view, folds = code_view(text, document, comment_rows)
                    lines = unfold(_highlight(document.source, view), folds)
                self.code[url] = _pack(lines)

    def forget_names(self) -> None:
        """
        Drop what each document's code defines and reads once the definitions
        are collected from it: nothing later reads it, and it was a fifth of the
        documents' memory, held to the end of the build and by every worker.
        """
        for document in self.documents:
            document.names = None

    def highlighted(self, url: PurePosixPath) -> list[str]:
        """The HTML of each line of a source's code (index 0 is line 1); none for Markdown."""
        self.load([url])
        packed = self.code[url]
        return zlib.decompress(packed).decode("utf-8").split("\n") if packed else []


def _pack(lines: list[str]) -> bytes:
    """Lines of highlighted HTML (which never hold a line break), compressed; b"" for none."""
    return zlib.compress("\n".join(lines).encode("utf-8"), 1) if lines else b""


def read_all(config: Config, sources: list[Source], cache: Cache, problems: list[Problem],
             jobs: int = 1) -> Reading:
    """Read every source; splitting is skipped for files the cache has seen, and shared out between cores."""
    texts: list[tuple[Source, str, bool, str]] = []
    for source in sources:
        text = read_text(config.root / source.path, source, problems)
        if text is not None:
            units = source.translate and len(config.languages) > 1
            # The key is the whole record read from: a root's title or prefix is in it too
            texts.append((source, text, units, cache.key("document", repr(source), text, str(units))))
    cached = cache.get_many("document", [key for *_, key in texts],
                            [partial(_from_json, source, text) for source, text, *_ in texts])
    missing = [(source, text, units, cache.storing) for (source, text, units, _), hit in zip(texts, cached) if hit is None]
    parsed = iter(in_parallel(_parse, missing, jobs, shared=(FrontMatterMemo(cache), CodeMemo(cache))))
    code_keys: dict[PurePosixPath, tuple[str, list[list[int]]]] = {}
    reading = Reading([], {}, {}, partial(_stored, cache, code_keys, os.getpid()))
    numbers: dict[int, int] = {}
    for (source, text, _, key), hit in zip(texts, cached):
        if hit is not None:
            document, found, units, front_matter, code_key, folds = hit
            code = None if source.kind == "python" else b""
            code_keys[source.url] = code_key, folds
            cache.keep("code", code_key)  # read only if the page is rendered, kept either way
            if front_matter is not None:
                cache.keep("front matter", front_matter)  # for the page's next edit
        else:
            document, found, code, units, entries = next(parsed)
            document = _shared_numbers(document, numbers)
            for kind, entry_key, entry in entries:
                cache.put_encoded(kind, entry_key or key, entry)
        problems.extend(found)
        reading.documents.append(document)
        reading.code[source.url] = code
        if units is not None:
            reading.units[source.url] = units
    return reading


def _stored(cache: Cache, keys: dict[PurePosixPath, tuple[str, list[list[int]]]], owner: int,
            url: PurePosixPath) -> list[str] | None:
    """A source's highlighted lines from the cache: only in the process that opened it."""
    if os.getpid() != owner or url not in keys:
        return None
    key, folds = keys[url]
    lines = cache.get("code", key, _lines)
    return None if lines is None else unfold(lines, folds)


def _lines(value: object) -> list[str]:
    if not (isinstance(value, list) and all(isinstance(line, str) for line in value)):
        raise ValueError("not lines of code")
    return value


def _shared_numbers(document: Document, numbers: dict[int, int]) -> Document:
    """
    `document`, its sections' line numbers made one object per value for the
    whole site (`numbers`): each came from a worker as an int object of its own,
    28 bytes for each line of every source, held to the end of the build. (A
    document from the cache holds its sections encoded until its page is rendered.)
    """
    for section in document.sections:
        section.doc_lines = [numbers.setdefault(n, n) for n in section.doc_lines]
        section.code_lines = [numbers.setdefault(n, n) for n in section.code_lines]
    return document


def _from_json(source: Source, text: str, stored: tuple[dict, list[bytes]]) -> tuple[
        Document, list[Problem], list[str] | None, str | None, str, list[list[int]]]:
    hit, (sections,) = stored
    units, front_matter, code, folds = hit["units"], hit["front matter"], hit["code"], hit["folds"]
    if units is not None and not (isinstance(units, list) and all(isinstance(unit, str) for unit in units)):
        raise ValueError("units are not a list of strings")
    if not (front_matter is None or isinstance(front_matter, str)) or not isinstance(code, str):
        raise ValueError("not the key of front matter or code")
    if not all(type(first) is int and type(count) is int and count > 0 for first, count in folds):
        raise ValueError("not the folds of a code view")
    return (Document.from_json(source, text, hit["document"], sections), [Problem(*p) for p in hit["problems"]],
            units, front_matter, code, folds)


class FrontMatterMemo:
    """
    Front matter as earlier builds read it (`document.FrontMatter`), by its
    YAML, looked up in the build's own process only (workers cannot use the
    cache's connection); `key` is that of the last one asked for, which a
    source's cache entry keeps, and `read` what a worker read (for the build
    to store: the next edit of the page then needs no PyYAML).
    """

    def __init__(self, cache: Cache) -> None:
        self._cache = cache
        self._owner = os.getpid()
        self.key: str | None = None
        self.read: list | None = None

    def __call__(self, yaml: str, read: Callable[[str], list]) -> list:
        self.key = self._cache.key("front matter", yaml)
        if os.getpid() != self._owner:
            self.read = read(yaml)
            return self.read
        return self._cache.remember("front matter", yaml, lambda: read(yaml), decode=_front_matter_shape)


def _front_matter_shape(value: list) -> list:
    """Remembered front matter (`document.read_front_matter`); `ValueError` (a miss) for anything else."""
    title, summary, problem = value
    if not (all(part is None or isinstance(part, str) for part in (title, summary)) and
            (problem is None or (type(problem[0]) is int and isinstance(problem[1], str) and len(problem) == 2))):
        raise ValueError("not front matter")
    return value


def _parse(memos: tuple[FrontMatterMemo, CodeMemo], item: tuple[Source, str, bool, bool]) -> tuple[
        Document, list[Problem], bytes, list[str] | None, list[tuple[str, str | None, bytes]]]:
    """
    One source read: its document, problems, packed code, units, and its cache
    entries (kind, key if not the source's, encoded value) if wanted (encoded
    here, in the worker: the code is most of it).
    """
    front_matter, code_memo = memos
    source, text, wants_units, wanted = item
    found: list[Problem] = []
    front_matter.key = front_matter.read = None
    comment_rows: list[int] = []
    document = parse(source, text, found, front_matter, comment_rows)
    units = units_of(document) if wants_units else None
    view, folds = code_view(text, document, comment_rows) if source.kind == "python" else ("", [])
    code_key, lines = code_memo(view)
    entries: list[tuple[str, str | None, bytes]] = []
    if lines is None:
        lines = _highlight(source, view)
        if wanted:
            entries.append(("code", code_key, encode_value(lines)))
    if wanted and front_matter.read is not None:
        entries.append(("front matter", front_matter.key, encode_value(front_matter.read)))
    if wanted:
        head, sections = document.to_json()
        entries.append(("document", None, encode_parts({
            "document": head, "units": units, "front matter": front_matter.key, "code": code_key,
            "folds": folds, "problems": [[p.path, p.line, p.message] for p in found]}, [encode_value(sections)])))
    return document, found, _pack(unfold(lines, folds)), units, entries


def code_view(text: str, document: Document, comment_rows: list[int]) -> tuple[str, list[list[int]]]:
    """
    The text a source's code is highlighted from, and what it folds: each run of
    comment lines the page shows as prose is one line there, the first one's
    indentation and `#`. The code's colours then depend on the code alone: what
    a comment says never changes them. Where Pygments reads a comment as Python
    does (to the end of its line, whatever it says) they are those of the whole
    text; where it misreads the Python before it (an escaped quote in a raw
    triple-quoted string, a name `case` alone on its line, a format field its
    pattern follows past the end of a string), the comment's words no longer
    decide how the code after it is coloured.
    Folds: [first line, lines] of each run.
    """
    shown = {number for section in document.sections for number in section.code_lines}
    folds: list[list[int]] = []
    for number in sorted(comment_rows):
        if number in shown:
            continue
        if folds and sum(folds[-1]) == number:
            folds[-1][1] += 1
        else:
            folds.append([number, 1])
    if not folds:
        return text, folds
    lines = text.split("\n")
    view: list[str] = []
    at = 0  # index of the first source line not yet in the view
    for first, count in folds:
        view += lines[at : first - 1]
        line = lines[first - 1]
        view.append(line[: len(line) - len(line.lstrip(" \t\f"))] + "#")
        at = first - 1 + count
    view += lines[at:]
    return "\n".join(view), folds


def unfold(lines: list[str], folds: list[list[int]]) -> list[str]:
    """The highlighted lines of a code view put back at their source lines (folded lines are never shown: empty)."""
    if not folds:
        return lines
    unfolded: list[str] = []
    at = 0  # index in `lines` of the first view line not yet placed
    for first, count in folds:
        before = first - 1 - len(unfolded)
        unfolded += lines[at : at + before]
        unfolded += [""] * count
        at += before + 1
    unfolded += lines[at:]
    return unfolded


class CodeMemo:
    """
    Highlighted code by the text it is highlighted from (`code_view`), and
    that text's key: looked up in the build's own process only (workers
    cannot use the cache's connection, and they highlight new sources anyway).
    """

    def __init__(self, cache: Cache) -> None:
        self._cache = cache
        self._owner = os.getpid()

    def __call__(self, view: str) -> tuple[str, list[str] | None]:
        if not self._cache.storing:
            return "", None  # nothing to look up or store: no key hashed
        key = self._cache.key("code", view)
        return key, self._cache.get("code", key, _lines) if os.getpid() == self._owner else None


def _highlight(source: Source, text: str) -> list[str]:
    """The HTML of each line of a Python source's code; none for Markdown."""
    if source.kind != "python":
        return []
    from .highlight import highlight_lines  # Pygments, only when a source changed

    return highlight_lines(text, len(source_lines(text)))
