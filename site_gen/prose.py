r"""
# Rendering prose

Markdown becomes HTML through Python-Markdown, extended in the ways the
library intends: processors registered by name and priority on a
`ProseExtension`. Nothing here edits finished HTML with regular expressions.

* **Math** is taken out of the Markdown before any block or inline rule can
  see it (so `_` and `*` inside a formula stay as typed), rendered by the
  renderer passed in, and put back through Python-Markdown's HTML stash.
  Where the formulas are is decided by [the grammar](grammar.py), the same
  one that cuts translation units, so fenced code, code spans, HTML comments
  and attributes never hold math. `\$` is a dollar.
* **Doctests** (`>>>` lines and their output) become Python console code,
  highlighted by Pygments' `pycon` lexer.
* **Link texts** keep their underscores: `[__init__.py](__init__.py)` is a
  file name, not bold "init".
* **Links and images** pass through a resolver given by the page: it rewrites
  `adam.py` to `adam.html` and records what must be checked or copied.
* **Headings** get ids that are unique across the whole page (a page is many
  Markdown documents, one per section) and are collected for the contents. A
  translated page reuses the English ids, so anchors work in every language.
* **Sanitising**: whatever raw HTML or link the Markdown holds, the result
  passes through an allowlist (nh3) before the trusted KaTeX output is put in,
  so no `<script>`, event handler or `javascript:` URL reaches a page.
* **Untranslated units** of a translated page are marked `lang="en"` with a
  short notice in the page's language.
"""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as etree
from collections import Counter
from html import unescape
from html.parser import HTMLParser
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Protocol

import markdown
import nh3
from markdown import util
from markdown.extensions import Extension
from markdown.extensions.codehilite import CodeHiliteExtension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import slugify_unicode, unique
from markdown.inlinepatterns import (
    LINK_RE,
    REFERENCE_RE,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.postprocessors import Postprocessor, RawHtmlPostprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

from .grammar import Token, tokenize
from .math import Rendered, number_labels, unknown_labels
from .model import Heading, LinkResult
from .roles import SphinxRolesExtension

# Punctuation that must not start a line, and a mark for "this formula is followed by some"
_CLOSING_PUNCTUATION = ".,;:!?)]}’”…，。、；：！？）」』】》"
_GLUE = "\ue002"
_GLUED = re.compile(re.escape(util.HTML_PLACEHOLDER).replace("%s", r"(\d+)") + _GLUE
                    + f"([{re.escape(_CLOSING_PUNCTUATION)}]+)")
# Underscores of a link text, outside its code spans
_UNDERSCORE = re.compile(r"(`+).+?(?<!`)\1(?!`)|_", re.DOTALL)


# What prose may contain after sanitising. KaTeX's output is inserted afterwards.
_ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "lang", "title", "dir", "aria-label"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
_ALLOWED_SCHEMES = {"http", "https", "mailto"}

# Paragraphs that bracket an untranslated unit; replaced by a wrapper element.
# Private-use characters: Python-Markdown strips STX/ETX from its input.
_UNTRANSLATED_START = "\ue000untranslated\ue001"
_STALE_START = "\ue000stale\ue001"  # its translation awaits review after the English changed
_UNTRANSLATED_END = "\ue000/untranslated\ue001"


def sanitize(html: str, attribute_filter: Callable[[str, str, str], str | None] | None = None) -> str:
    return nh3.clean(html, attributes=_ALLOWED_ATTRIBUTES, url_schemes=_ALLOWED_SCHEMES, link_rel=None,
                     attribute_filter=attribute_filter)


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.extend(value for name, value in attrs if name == "id" and value)


# Where `HTMLParser` could read an attribute named `id`: after a quote, space or `/`, before `=`, space, `/`, `>`
_MAYBE_ID = re.compile(r"""(?<=['"\s/])id(?=[\s/=>]|$)""", re.IGNORECASE)


def element_ids(html: str) -> list[str]:
    """Every `id` of some HTML, in order, repeats included."""
    if not _MAYBE_ID.search(html):
        return []  # parsing a formula's HTML to find nothing was a tenth of a formula-heavy build
    parser = _Ids()
    parser.feed(html)
    parser.close()
    return parser.ids


def mark_untranslated(unit: str, stale: bool = False) -> str:
    """Markdown for an English unit shown on a translated page (`stale`: its translation awaits review)."""
    return f"{_STALE_START if stale else _UNTRANSLATED_START}\n\n{unit}\n\n{_UNTRANSLATED_END}"


class MathRenderer(Protocol):
    def __call__(self, tex: str, display: bool) -> Rendered: ...


# `(url, is_image) -> LinkResult`
LinkResolver = Callable[[str, bool], LinkResult]


def keep_link(url: str, is_image: bool) -> LinkResult:
    return LinkResult(url)


def _unbound_math(tex: str, display: bool) -> Rendered:
    raise RuntimeError("a shared Markdown instance rendered math before a page's renderer was put on it")


@dataclass
class Issue:
    """A problem found while rendering, located by the text it concerns."""

    needle: str  # text of the source to search for, to find its line
    message: str


@dataclass
class _State:
    """Per-document state, cleared by `reset()`."""

    issues: list[Issue] = field(default_factory=list)
    math: dict[str, str] = field(default_factory=dict)  # placeholder → rendered HTML
    math_tex: dict[str, str] = field(default_factory=dict)  # placeholder → LaTeX source
    formulas: int = 0
    section_anchor: str | None = None  # the anchor of the first heading, if any
    trusted: set[int] = field(default_factory=set)  # stash entries we made (math, `$`)
    search_html: str = ""  # see `ProseResult`
    stash: dict[str, str] = field(default_factory=dict)
    anchors: list[str] = field(default_factory=list)  # ids to reuse, in heading order
    lone_dollar_lines: set[int] = field(default_factory=set)  # lines already reported
    anchor_links: list[tuple[str, tuple[str, str]]] = field(default_factory=list)  # (url, (page, fragment))
    ids: list[str] = field(default_factory=list)  # every id of the rendered HTML
    headings: list[Heading] = field(default_factory=list)  # this document's headings


@dataclass
class ProseResult:
    """What rendering one section's prose produced."""

    html: str
    issues: list[Issue]
    # This section's headings, in order (ids unique across the page)
    headings: list[Heading]
    # The anchor of the section: its first heading's id, if it has a heading
    section_anchor: str | None
    # Links whose fragment must be checked once every page exists: (url as written, (page, fragment))
    anchor_links: list[tuple[str, tuple[str, str]]]
    # Tags, attributes and URLs of raw HTML that the sanitiser dropped
    raw_html_removed: list[str]
    # Every id of the HTML, headings' and the author's raw HTML's alike
    ids: list[str]
    # The HTML with each formula (and `\$`) still a token of `stash`: cheap to read for search,
    # where a formula's MathML is read once per formula rather than once per use
    search_html: str = ""
    stash: dict[str, str] = field(default_factory=dict)


# What follows a `$` that was meant to open a formula: a TeX command, or a symbol with a sub- or superscript
_OPENS_TEX = re.compile(r"\$\$?(?:\\[A-Za-z]|[A-Za-z0-9]{1,2}[_^])")


class _MathPreprocessor(Preprocessor):
    def __init__(self, md: markdown.Markdown, ext: ProseExtension) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        text = "".join(self._replace(token, text) for token in tokenize(text))
        return _GLUED.sub(self._glue, text).split("\n")

    def _replace(self, token: Token, text: str) -> str:
        if token.kind == "lone":
            self._report_lone_dollar(text, token.start)
        elif token.kind == "dollar":
            return self._store("$")
        elif token.kind == "math":
            placeholder = self._stash(token.tex, token.display, token.text)
            after = text[token.end : token.end + 1]
            glued = not token.display and after != "" and after in _CLOSING_PUNCTUATION
            return placeholder + _GLUE if glued else placeholder
        elif token.kind == "doctest":
            # Python console code, for the fenced-code extension that runs next
            return f"```pycon\n{textwrap.dedent(token.text)}\n```"
        return token.text

    def _glue(self, match: re.Match[str]) -> str:
        """
        An inline formula takes the punctuation after it into an unbreakable
        box, so that a line never starts with the `.` that ends the formula.
        """
        index, placeholder = int(match.group(1)), match.group(0).split(_GLUE)[0]
        html = f'<span class="math-nobr">{self.md.htmlStash.rawHtmlBlocks[index]}{escape(match.group(2))}</span>'
        self.md.htmlStash.rawHtmlBlocks[index] = self.ext.state.math[placeholder] = html
        return placeholder

    def _report_lone_dollar(self, text: str, at: int) -> None:
        """
        A lone `$` that opens what reads as TeX (`$\\alpha`, `$x_t`, `$m^2`) is a
        formula left open: said once per line, quoting a short piece of it (a line
        can be a megabyte long). Any other (`$PATH`, `$5`, `${name}`) is a dollar
        sign, shown as written: asking for `\\$` there would ask a docstring for an
        invalid escape sequence.
        """
        if not _OPENS_TEX.match(text, at):
            return
        start = text.rfind("\n", 0, at) + 1
        if start in self.ext.state.lone_dollar_lines:
            return
        self.ext.state.lone_dollar_lines.add(start)
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        snippet = text[max(start, at - 30) : min(end, at + 30)]
        self.ext.state.issues.append(Issue(snippet, "unmatched `$` (write `\\$` for a dollar sign)"))

    def _stash(self, tex: str, display: bool, source: str) -> str:
        for label in unknown_labels(tex, self.ext.equation_labels):
            self.ext.state.issues.append(Issue(source, f"unknown equation label '{label}'"))
        tex = number_labels(tex, self.ext.equation_labels)
        rendered = self.ext.render_math(tex, display)
        self.ext.state.formulas += 1
        if rendered.error:
            self.ext.state.issues.append(Issue(source, f"LaTeX error: {rendered.error}"))
        placeholder = self._store(rendered.html)
        self.ext.state.math[placeholder] = rendered.html
        self.ext.state.math_tex[placeholder] = tex
        return placeholder

    def _store(self, html: str) -> str:
        placeholder = self.md.htmlStash.store(html)
        self.ext.state.trusted.add(self.md.htmlStash.html_counter - 1)
        return placeholder


class _LiteralUnderscores:
    """Mixin for link processors: `_` in a link text is a character, not emphasis."""

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:
        text, index, handled = super().getText(data, index)  # type: ignore[misc]
        # The same token the library's own `\_` escape produces; link texts are
        # parsed by the patterns after `link`, which do not include `escape`
        literal = f"{util.STX}{ord('_')}{util.ETX}"
        return _UNDERSCORE.sub(lambda m: m.group(0) if m.group(1) else literal, text), index, handled


class _Link(_LiteralUnderscores, LinkInlineProcessor):
    pass


class _Reference(_LiteralUnderscores, ReferenceInlineProcessor):
    pass


class _ShortReference(_LiteralUnderscores, ShortReferenceInlineProcessor):
    pass


class _AttributeMathTreeprocessor(Treeprocessor):
    """An attribute cannot hold HTML: formulas in an image's alt text or a title are written as their LaTeX."""

    def __init__(self, md: markdown.Markdown, ext: ProseExtension) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for name in ("alt", "title"):
                if element.get(name):
                    element.set(name, self._tex_for_placeholders(element.get(name)))

    def _tex_for_placeholders(self, value: str) -> str:
        """An attribute cannot hold HTML: formulas in it are written as their LaTeX."""
        for placeholder, tex in self.ext.state.math_tex.items():
            value = value.replace(placeholder, tex)
        return value


class _FigureTreeprocessor(Treeprocessor):
    """
    An image alone in its paragraph with a caption under it becomes a
    `<figure>`: the caption is an emphasised line right under the image
    (`*…*`), or the `---*…*---` form, on the next line or in the next paragraph.
    """

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            children = list(parent)
            for index, paragraph in enumerate(children):
                if not self._image_alone(paragraph):
                    continue
                following = children[index + 1] if index + 1 < len(children) else None
                if len(paragraph) == 2 and self._caption(paragraph[0].tail, paragraph[1]):
                    caption = paragraph[1]
                elif following is not None and len(paragraph) == 1 and self._caption_paragraph(following):
                    caption = following[0]
                    parent.remove(following)
                else:
                    continue
                paragraph.tag = "figure"
                if caption in paragraph:
                    paragraph.remove(caption)
                paragraph[0].tail = None
                caption.tag, caption.tail = "figcaption", None
                paragraph.append(caption)

    @staticmethod
    def _image_alone(paragraph: etree.Element) -> bool:
        return paragraph.tag == "p" and len(paragraph) in (1, 2) and paragraph[0].tag == "img" \
            and not (paragraph.text or "").strip()

    @staticmethod
    def _caption(before: str | None, element: etree.Element) -> bool:
        before, after = (before or "").strip(), (element.tail or "").strip()
        return element.tag == "em" and (before, after) in (("", ""), ("---", "---"))

    def _caption_paragraph(self, paragraph: etree.Element) -> bool:
        return paragraph.tag == "p" and len(paragraph) == 1 and (paragraph.text or "").strip() == "---" \
            and (paragraph[0].tail or "").strip() == "---" and paragraph[0].tag == "em"


class _HeadingTreeprocessor(Treeprocessor):
    """Gives headings page-unique ids and collects them for the contents."""

    def __init__(self, md: markdown.Markdown, ext: ProseExtension) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag not in ("h1", "h2", "h3", "h4", "h5", "h6"):
                continue
            label, plain = self._label(element)
            anchor = element.get("id") or (self.ext.state.anchors.pop(0) if self.ext.state.anchors else "")
            anchor = anchor or unique(slugify_unicode(plain, "-") or "section", self.ext.page_ids)
            self.ext.page_ids.add(anchor)
            if self.ext.state.section_anchor is None:
                # The section element carries the first heading's anchor; ids stay unique
                self.ext.state.section_anchor = anchor
                element.attrib.pop("id", None)
            else:
                element.set("id", anchor)
            self.ext.state.headings.append(Heading(int(element.tag[1]), anchor, label, plain.strip()))
            if self.ext.getConfig("permalink_label"):
                link = etree.SubElement(element, "a", {"class": "permalink", "href": f"#{anchor}",
                                                       "aria-label": self.ext.getConfig("permalink_label")})
                if self.ext.getConfig("permalink_lang"):
                    link.set("lang", self.ext.getConfig("permalink_lang"))
                link.text = "#"

    def _label(self, element: etree.Element) -> tuple[Markup, str]:
        """The heading as HTML (math rendered) and as plain text (for its slug)."""
        html, plain = [], []
        text = "".join(element.itertext())
        for part in re.split("(\x02wzxhzdk:\\d+\x03)", text):
            if part in self.ext.state.math:
                html.append(Markup(self.ext.state.math[part]))
                plain.append(self.ext.state.math_tex[part])
            elif not part.startswith("\x02"):
                html.append(escape(part))
                plain.append(part)
        return Markup("").join(html), "".join(plain)


class _UntranslatedTreeprocessor(Treeprocessor):
    """Wraps the blocks between untranslated markers in `<div lang="en">`."""

    def __init__(self, md: markdown.Markdown, ext: ProseExtension) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, root: etree.Element) -> None:
        wrapper = None
        for child in list(root):
            text = (child.text or "").strip() if child.tag == "p" and len(child) == 0 else None
            if text in (_UNTRANSLATED_START, _STALE_START):
                stale = text == _STALE_START
                wrapper = etree.Element("div", {"class": "untranslated stale" if stale else "untranslated",
                                                "lang": "en"})
                root.insert(list(root).index(child), wrapper)
                root.remove(child)
                notice = self.ext.getConfig("stale_notice" if stale else "untranslated_notice")
                if notice:
                    note = etree.SubElement(wrapper, "p", {"class": "untranslated-note",
                                                           "lang": self.ext.getConfig("lang")})
                    note.text = notice
            elif text == _UNTRANSLATED_END:
                root.remove(child)
                wrapper = None
            elif wrapper is not None:
                root.remove(child)
                wrapper.append(child)


class _SanitizePostprocessor(Postprocessor):
    """
    Allowlist the whole document with the author's (or translator's) raw HTML
    in place and our formulas still out of it: untrusted stash entries are put
    back first, trusted ones become tokens, the result is sanitised as one
    document (so an inline `<a …>…</a>` keeps its text inside), and only then
    do the formulas go in.
    """

    def __init__(self, md: markdown.Markdown, ext: ProseExtension) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, text: str) -> str:
        stash = self.md.htmlStash.rawHtmlBlocks
        trusted = {index: stash[index] for index in self.ext.state.trusted}
        for index in trusted:
            stash[index] = _TRUSTED % index
        text = sanitize(RawHtmlPostprocessor(self.md).run(text), self._resolve)
        state = self.ext.state
        state.search_html = text
        state.stash = {_TRUSTED % index: html for index, html in trusted.items() if _TRUSTED % index in text}
        ids = element_ids(text) + [i for html in state.stash.values() for i in _ids_of(html)]
        for index, html in trusted.items():
            text = text.replace(_TRUSTED % index, html)
        self.ext.state.ids.extend(ids)
        self.ext.page_ids.update(ids)
        return text

    def _resolve(self, tag: str, attribute: str, value: str) -> str:
        """Every link and image, written in Markdown or in raw HTML, goes through the page's resolver."""
        if (tag, attribute) not in (("a", "href"), ("img", "src")):
            return value
        if util.AMP_SUBSTITUTE in value:
            # An e-mail autolink (`<me@example.org>`), written as character references
            value = unescape(value.replace(util.AMP_SUBSTITUTE, "&"))
        result = self.ext.resolve_link(value, tag == "img")
        if result.problem:
            self.ext.state.issues.append(Issue(value, result.problem))
        if result.anchor:
            self.ext.state.anchor_links.append((value, result.anchor))
        return result.href


# A formula's place while the document is sanitised (the private-use characters survive nh3)
_TRUSTED = "\ue000trusted:%d\ue001"
STASH_TOKEN = re.compile("\ue000trusted:[0-9]+\ue001")


@lru_cache(maxsize=8192)
def _ids_of(html: str) -> tuple[str, ...]:
    """The ids of one formula's HTML (it has none today; read once per formula all the same)."""
    return tuple(element_ids(html))


class _AllowlistCheck(HTMLParser):
    """Tags, attributes and URLs of some raw HTML that the sanitiser would drop."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in nh3.ALLOWED_TAGS:
            self.dropped.append(f"<{tag}>")
            return
        allowed = _ALLOWED_ATTRIBUTES["*"] | _ALLOWED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                self.dropped.append(f"<{tag} {name}>")
            elif name in ("href", "src") and value and ":" in value.split("/")[0]:
                if value.split(":", 1)[0].lower() not in _ALLOWED_SCHEMES:
                    self.dropped.append(f"<{tag} {name}={value[:30]}>")


def disallowed_html(fragment: str) -> list[str]:
    checker = _AllowlistCheck()
    checker.feed(fragment)
    checker.close()
    return checker.dropped


class ProseExtension(Extension):
    """Math, link and heading handling for one page at a time."""

    def __init__(self, render_math: MathRenderer, resolve_link: LinkResolver = keep_link, **kwargs: str) -> None:
        self.config = {
            "lang": ["en", "language of the page, for the untranslated notice"],
            "untranslated_notice": ["", "said above English text on a translated page"],
            "stale_notice": ["", "said above English text whose translation awaits an update"],
            "permalink_label": ["", "aria-label of heading permalinks; empty: no permalinks"],
            "permalink_lang": ["", "language of that label when the text around it is in another"],
        }
        super().__init__(**kwargs)
        self.render_math = render_math
        self.resolve_link = resolve_link
        self.state = _State()
        # Page-level, set by the page's renderer: survive `reset()` between its sections
        self.page_ids: set[str] = set()  # ids taken on the page (template and sections included)
        self.equation_labels: dict[str, str] = {}  # the page's `\label`s and their numbers

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.registerExtension(self)
        # After whitespace is normalised (30), before fenced code (25) and raw HTML
        # blocks (20): math is found by the grammar alone, which knows the fences
        md.preprocessors.register(_MathPreprocessor(md, self), "math", 27)
        md.inlinePatterns.register(_Reference(REFERENCE_RE, md), "reference", 170)
        md.inlinePatterns.register(_Link(LINK_RE, md), "link", 160)
        md.inlinePatterns.register(_ShortReference(REFERENCE_RE, md), "short_reference", 130)
        # After inline patterns (20) have built the links and headings' contents
        md.treeprocessors.register(_AttributeMathTreeprocessor(md, self), "site_attribute_math", 8)
        md.treeprocessors.register(_FigureTreeprocessor(md), "site_figures", 7)
        md.treeprocessors.register(_HeadingTreeprocessor(md, self), "site_headings", 6)
        md.treeprocessors.register(_UntranslatedTreeprocessor(md, self), "site_untranslated", 5)
        # Before the stash is put back (raw_html, 30): math goes in after sanitising
        md.postprocessors.register(_SanitizePostprocessor(md, self), "site_sanitize", 35)

    def reset(self) -> None:
        self.state = _State()


class ProseRenderer:
    """
    Markdown → HTML for the sections of one page; options are those of
    `ProseExtension`. Renderers with the same options share one Markdown
    instance (building one costs more than rendering a short section); the
    page's own callbacks and heading ids are put on it for each render.
    """

    def __init__(self, render_math: MathRenderer, resolve_link: LinkResolver = keep_link,
                 reserved_ids: Iterable[str] = (), equation_labels: dict[str, str] | None = None,
                 **options: str) -> None:
        self._md, self.extension, self._footnotes, first_prefix = _markdown(tuple(sorted(options.items())))
        self._render_math = render_math
        self._resolve_link = resolve_link
        # Ids the page has outside the prose (template, sections): headings never take them
        self._page_ids: set[str] = set(reserved_ids)
        self._equation_labels = dict(equation_labels or {})
        self._footnote_prefix = first_prefix  # footnote ids count the page's sections from here

    def position(self) -> tuple[list[str], int]:
        """What the next section's rendering depends on besides its text: the ids taken so far, the footnote count."""
        return sorted(self._page_ids), self._footnote_prefix

    def skip(self, claimed: Iterable[str], footnote_prefix: int) -> None:
        """Move past a section rendered before (remembered), as rendering it would: its ids taken, its footnotes counted."""
        self._page_ids.update(claimed)
        self._footnote_prefix = footnote_prefix

    def claim_id(self, wanted: str) -> str:
        """`wanted`, or its first free variant (`wanted_1`, …), now taken on the page."""
        return unique(wanted, self._page_ids)

    def render(self, text: str, anchors: list[str] | None = None) -> ProseResult:
        """One section's prose; `anchors` are heading ids to reuse, in order."""
        extension = self.extension
        extension.render_math, extension.resolve_link = self._render_math, self._resolve_link
        extension.page_ids, extension.equation_labels = self._page_ids, self._equation_labels
        self._footnotes.unique_prefix = self._footnote_prefix
        self._md.reset()
        self._footnote_prefix = self._footnotes.unique_prefix
        extension.state.anchors = list(anchors or [])
        html = self._md.convert(text)
        state = extension.state
        return ProseResult(html, list(state.issues), list(state.headings), state.section_anchor,
                           list(state.anchor_links), raw_html_outside_allowlist(text), list(state.ids),
                           state.search_html, dict(state.stash))


class _VisibleText(HTMLParser):
    """The text a reader sees: a formula as its MathML's characters, without its LaTeX."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._hidden or tag == "annotation":
            self._hidden += tag not in ("img", "br", "hr", "wbr")

    def handle_endtag(self, tag: str) -> None:
        if self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def markdown_to_plain(markdown_text: str, render_math: MathRenderer) -> str:
    """
    A title or summary as plain text, for `<title>`, listings and search:
    rendered as Markdown, then stripped (`**Adam** with $\\beta$` → `Adam with β`).
    """
    if not any(c in markdown_text for c in "*_`[$\\<&#"):
        return markdown_text.strip()
    parser = _VisibleText()
    parser.feed(ProseRenderer(render_math).render(markdown_text).html)
    parser.close()
    return " ".join("".join(parser.parts).split())


@lru_cache(maxsize=16)
def _markdown(options: tuple[tuple[str, str], ...]) -> tuple[markdown.Markdown, ProseExtension, FootnoteExtension, int]:
    """A Markdown instance with our extensions, for renderers with these options."""
    extension = ProseExtension(_unbound_math, keep_link, **dict(options))
    footnotes = FootnoteExtension(UNIQUE_IDS=True)  # footnote ids stay unique across the sections of a page
    # Instances, not names: a name is looked up among every installed package's entry points first
    md = markdown.Markdown(
        extensions=[TableExtension(use_align_attribute=True), FencedCodeExtension(), footnotes, SaneListExtension(),
                    CodeHiliteExtension(guess_lang=False, css_class="highlight"), SphinxRolesExtension(), extension],
        output_format="html",
    )
    return md, extension, footnotes, footnotes.unique_prefix


def inventory(markdown_text: str) -> Counter:
    """
    The formulas, inline code, link targets and raw HTML ids of some Markdown,
    as the build sees them: a translation must carry the same ones as its English.
    """
    return Counter(_inventory(markdown_text))  # a copy: the remembered one stays as it is


@lru_cache(maxsize=4096)
def _inventory(markdown_text: str) -> Counter:
    """Remembered: the same English is checked against the table of every language."""
    found: Counter = Counter()

    def record_math(tex: str, display: bool) -> Rendered:
        found[("formula", tex)] += 1
        return Rendered("")

    def record_link(url: str, is_image: bool) -> LinkResult:
        found[("image" if is_image else "link", url)] += 1
        return LinkResult(url)

    ProseRenderer(record_math, record_link).render(markdown_text)
    for token in tokenize(markdown_text):
        if token.kind == "code":
            found[("inline code", token.text.strip("`").strip())] += 1
        elif token.kind == "html":  # an anchor others link to must survive translation
            for element_id in element_ids(token.text):
                found[("id", element_id)] += 1
    return found


def raw_html_outside_allowlist(markdown_text: str) -> list[str]:
    """Raw HTML in some Markdown that the sanitiser would change or remove."""
    return [dropped for token in tokenize(markdown_text) if token.kind == "html"
            for dropped in disallowed_html(token.text)]
