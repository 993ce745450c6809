"""
# Reading the sources

The second stage. In: the sources found (`Source` records). Out: one
`Document` per readable source (split into sections, front matter read,
title and summary known), and the problems found on the way. Splitting is
skipped for a source the cache has seen: its key is the whole `Source` record
and the text, so a new root title or prefix is never answered from the cache.
Each source is read once, whatever the number of languages.
"""

from __future__ import annotations

from .cache import Cache
from .config import Config
from .document import Document, parse, read_text
from .model import Problem, Source
from .workers import in_parallel


def read_all(config: Config, sources: list[Source], cache: Cache, problems: list[Problem],
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
    parsed = iter(in_parallel(_parse, missing, jobs))
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


def _parse(_: None, item: tuple[Source, str]) -> tuple[Document, list[Problem]]:
    found: list[Problem] = []
    return parse(item[0], item[1], found), found
