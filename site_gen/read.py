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
page needs it, so it is stored apart, under the same key, and read only when
the page is rendered (`Reading.load`): an edit build reads the code of the
pages it renders, not of the whole site. A source's YAML front matter is
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

from .cache import Cache, encode_value
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
    # A source's highlighted lines as the cache holds them (None if it does not, or in another process)
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
                    lines = _highlight(document.source, document.text)
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
    cached = [cache.get("document", key, partial(_from_json, source, text)) for source, text, _, key in texts]
    missing = [(source, text, units, cache.storing) for (source, text, units, _), hit in zip(texts, cached) if hit is None]
    parsed = iter(in_parallel(_parse, missing, jobs, shared=FrontMatterMemo(cache)))
    code_keys: dict[PurePosixPath, str] = {}
    reading = Reading([], {}, {}, partial(_stored, cache, code_keys, os.getpid()))
    numbers: dict[int, int] = {}
    for (source, text, _, key), hit in zip(texts, cached):
        if hit is not None:
            document, found, units, front_matter = hit
            code = None if source.kind == "python" else b""
            code_keys[source.url] = key
            cache.keep("code", key)  # read only if the page is rendered, kept either way
            if front_matter is not None:
                cache.keep("front matter", front_matter)  # for the page's next edit
        else:
            document, found, code, units, entries = next(parsed)
            for kind, entry in entries:
                cache.put_encoded(kind, key, entry)
        problems.extend(found)
        reading.documents.append(_shared_numbers(document, numbers))
        reading.code[source.url] = code
        if units is not None:
            reading.units[source.url] = units
    return reading


def _stored(cache: Cache, keys: dict[PurePosixPath, str], owner: int, url: PurePosixPath) -> list[str] | None:
    """A source's highlighted lines from the cache: only in the process that opened it."""
    if os.getpid() != owner or url not in keys:
        return None
    return cache.get("code", keys[url], _lines)


def _lines(value: object) -> list[str]:
    if not (isinstance(value, list) and all(isinstance(line, str) for line in value)):
        raise ValueError("not lines of code")
    return value


def _shared_numbers(document: Document, numbers: dict[int, int]) -> Document:
    """
    `document`, its sections' line numbers made one object per value for the
    whole site (`numbers`): each came from JSON or a worker as an int object of
    its own, 28 bytes for each line of every source, held to the end of the build.
    """
    for section in document.sections:
        section.doc_lines = [numbers.setdefault(n, n) for n in section.doc_lines]
        section.code_lines = [numbers.setdefault(n, n) for n in section.code_lines]
    return document


def _from_json(source: Source, text: str, hit: dict) -> tuple[Document, list[Problem], list[str] | None, str | None]:
    units, front_matter = hit["units"], hit["front matter"]
    if units is not None and not (isinstance(units, list) and all(isinstance(unit, str) for unit in units)):
        raise ValueError("units are not a list of strings")
    if not (front_matter is None or isinstance(front_matter, str)):
        raise ValueError("not the key of front matter")
    return Document.from_json(source, text, hit["document"]), [Problem(*p) for p in hit["problems"]], units, front_matter


class FrontMatterMemo:
    """
    Front matter as earlier builds read it (`document.FrontMatter`), by its
    YAML, in the build's own process only (workers cannot use the cache's
    connection); `key` is that of the last one asked for, which a source's
    cache entry keeps.
    """

    def __init__(self, cache: Cache) -> None:
        self._cache = cache
        self._owner = os.getpid()
        self.key: str | None = None

    def __call__(self, yaml: str, read: Callable[[str], list]) -> list:
        self.key = self._cache.key("front matter", yaml)
        if os.getpid() != self._owner:
            return read(yaml)
        return self._cache.remember("front matter", yaml, lambda: read(yaml), decode=_front_matter_shape)


def _front_matter_shape(value: list) -> list:
    """Remembered front matter (`document.read_front_matter`); `ValueError` (a miss) for anything else."""
    title, summary, problem = value
    if not (all(part is None or isinstance(part, str) for part in (title, summary)) and
            (problem is None or (type(problem[0]) is int and isinstance(problem[1], str) and len(problem) == 2))):
        raise ValueError("not front matter")
    return value


def _parse(memo: FrontMatterMemo, item: tuple[Source, str, bool, bool]) -> tuple[
        Document, list[Problem], bytes, list[str] | None, list[tuple[str, bytes]]]:
    """
    One source read: its document, problems, packed code, units, and its cache
    entries (document, code) if wanted (encoded here, in the worker: the code is most of it).
    """
    source, text, wants_units, wanted = item
    found: list[Problem] = []
    memo.key = None
    document = parse(source, text, found, memo)
    units = units_of(document) if wants_units else None
    lines = _highlight(source, text)
    entries = [("document", encode_value({"document": document.to_json(), "units": units, "front matter": memo.key,
                                          "problems": [[p.path, p.line, p.message] for p in found]})),
               ("code", encode_value(lines))] if wanted else []
    return document, found, _pack(lines), units, entries


def _highlight(source: Source, text: str) -> list[str]:
    """The HTML of each line of a Python source's code; none for Markdown."""
    if source.kind != "python":
        return []
    from .highlight import highlight_lines  # Pygments, only when a source changed

    return highlight_lines(text, len(source_lines(text)))
