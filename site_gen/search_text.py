"""
# Search text

What the search index holds of a section. In: the section's rendered prose
(its HTML, with formulas as tokens of its stash) and the lines of its code.
Out: one entry per heading (anchor, heading, text, the names the code uses),
formulas read as Unicode text (`m̂_t ←β_1 m_t-1`), once per formula; and a
page's description when it has no summary: the start of its prose.
"""

from __future__ import annotations

import keyword
import re
from functools import lru_cache
from html.parser import HTMLParser

from .prose import STASH_TOKEN, ProseResult
from .math import latex_of, readable_part
from .readable_math import readable


def search_entries(rendered: ProseResult, anchor: str, names: list[str]) -> list[dict[str, str]]:
    """
    A section's entries in the search index, one per heading: anchor, heading,
    text, and the names its code uses (on the section's first entry).
    """
    entries = []
    for piece, (piece_anchor, heading, text) in enumerate(plain_text(rendered.search_html, rendered.stash)):
        if piece and not piece_anchor:
            piece_anchor = anchor  # the section's own (first) heading: it lost its id to the section
        if piece == 0 and not text:
            continue
        entries.append(dict(a=piece_anchor or anchor, h=heading, x=text, c=" ".join(names) if piece <= 1 else ""))
    return entries


class _PlainText(HTMLParser):
    """
    The words of some prose HTML, cut at its headings, formulas as Unicode
    text: `[(heading id, heading text, text)]`, the first piece with no id.
    """

    def __init__(self, stash: dict[str, str] | None = None) -> None:
        super().__init__()
        self.stash = stash or {}  # token in the HTML → a formula's HTML
        self.pieces: list[list] = [[None, [], []]]
        self._skip = 0  # depth inside a formula or a permalink
        self._heading: str | None = None  # the heading being read
        self._annotation = False  # inside a formula's LaTeX source, which is kept

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self._skip or "katex" in classes or "permalink" in classes:
            self._skip += 1 if tag not in _VOID else 0
            self._annotation = self._annotation or tag == "annotation"
        elif tag in _HEADINGS:
            self._heading = tag
            self.pieces.append([dict(attrs).get("id"), [], []])
        elif tag in _BLOCKS:
            self._block_boundary()

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            self._skip -= 1
            self._annotation = self._annotation and tag != "annotation"
        elif tag == self._heading:
            self._heading = None
        elif tag in _BLOCKS:
            self._block_boundary()

    def _block_boundary(self) -> None:
        """Mark where a paragraph, list item or table cell ends, so its words are not run into the next."""
        if not self._heading:
            self.pieces[-1][2].append(_BOUNDARY)

    def handle_data(self, data: str) -> None:
        if self.stash and not self._skip:
            data = STASH_TOKEN.sub(lambda token: _stash_text(self.stash.get(token.group(0), token.group(0))), data)
        if not self._skip or self._annotation:
            self.pieces[-1][1 if self._heading else 2].append(readable(data) if self._annotation else data)


@lru_cache(maxsize=8192)
def _stash_text(html: str) -> str:
    """What one formula's HTML adds to the words around it: read once per formula, not once per use."""
    tex = latex_of(html)
    if tex is not None:  # a formula alone: what `parsed_text` finds, without reading KaTeX's HTML
        return readable(tex) if tex else ""
    return parsed_text(html)


def parsed_text(html: str) -> str:
    """What some HTML in the stash adds to the words around it, read by the parser."""
    parser = _PlainText()
    parser.feed(readable_part(html))  # the MathML only: KaTeX's drawn copy is most of the HTML and adds no text
    parser.close()
    return "".join(parser.pieces[0][2])


_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Elements whose text stands apart from its neighbours' (cells, items, paragraphs)
_BLOCKS = {"p", "li", "td", "th", "tr", "dt", "dd", "ul", "ol", "dl", "table", "caption", "figcaption",
           "blockquote", "pre", "div", "br", "hr"}
_BOUNDARY = "\0"
# A block ending so leaves the next one apart already; any other is followed by " · "
_SENTENCE_END = (".", ",", ":", ";", "!", "?", "。", "，", "、", "．", "：", "；", "！", "？")
_VOID = {"br", "img", "hr", "input", "wbr", "col", "area", "source"}
_SPACES = re.compile(r"\s+")
_IDENTIFIER = re.compile(r"[^\W\d]\w*")  # Python's identifiers: `ñame` is one


def plain_text(html: str, stash: dict[str, str] | None = None) -> list[tuple[str | None, str, str]]:
    """
    `[(heading id, heading, text)]` of some prose HTML; the first heading's id
    is its section's. Tokens of `stash` in the HTML stand for their HTML.
    """
    parser = _PlainText(stash)
    parser.feed(html)
    parser.close()
    clean = lambda parts: _SPACES.sub(" ", "".join(parts)).strip()  # noqa: E731
    return [(anchor, clean(heading), _joined_blocks(text)) for anchor, heading, text in parser.pieces]


def _joined_blocks(parts: list[str]) -> str:
    """The text of consecutive blocks on one line, with a separator where no sentence ends one."""
    text = ""
    for block in "".join(parts).split(_BOUNDARY):
        block = _SPACES.sub(" ", block).strip()
        if block:
            text += ("" if not text else " " if text.endswith(_SENTENCE_END) else " · ") + block
    return text


def identifiers(lines) -> list[str]:
    """The names used in some code, once each, in order (keywords left out)."""
    code = "\n".join(line.split("#", 1)[0] for line in lines)  # searched at once, each name judged once
    return [name for name in dict.fromkeys(_IDENTIFIER.findall(code)) if len(name) > 1 and not keyword.iskeyword(name)]


def first_sentences(sections: list[dict], limit: int = 155) -> str:
    """A description for a page without a summary: the start of its prose."""
    text = next((s["x"] for s in sections if s["x"]), "")
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
