"""
# Rendering pages

`Site` turns gathered documents into HTML, in every language: a page per
source, a listing for every folder, and `sitemap.xml`. The code column is the
same in every language; the prose of a translated page is the English with
each unit replaced by its translation, or kept in English and marked so.

Everything a page needs from the rest of the site (titles, URLs, which files
exist) is known before rendering starts, so pages can be rendered in any order,
in parallel, and each one depends only on what its task names. Rendering reads
nothing from the disk: links resolve against the gathered file map.

In: a document (or a folder) and a language, with the English heading ids for
a translation. Out: a `PageResult` (HTML, problems, linked files to copy,
heading ids, search sections, formulas used). `Frame` is what surrounds every
page's content (titles, listings, breadcrumbs, navigation, language links).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote
from typing import Callable

import keyword
from functools import lru_cache
import re
from html.parser import HTMLParser

from markupsafe import Markup

from . import assets as site_assets
from .config import Config
from .document import Document
from .files import Files, relative_url
from .grammar import formulas
from .math import KatexRenderer, Rendered, equation_labels, readable_part
from .definitions import Definitions
from .navigation import navigation, reading_order
from .model import Heading, PageResult, Problem, Section, Source
from .page import Templates
from .read import Reading
from .prose import STASH_TOKEN, Issue, ProseRenderer, element_ids, mark_untranslated, markdown_to_plain
from .readable_math import readable
from .translate import (
    HOME,
    PERMALINK,
    SCRIPT_STRINGS,
    STALE_NOTICE,
    UNTRANSLATED_NOTICE,
    Table,
    Translations,
    has_words,
    interface_gettext,
    og_locale,
    split_units,
)



class Site:
    """Renders every page of the site, in every language, from gathered documents."""

    def __init__(self, config: Config, files: Files, reading: Reading, math: KatexRenderer,
                 katex_stylesheet: str, translations: Translations, definitions: Definitions) -> None:
        self.config = config
        self.files = files
        self.code = reading.code
        self.templates = Templates(config.templates)
        self.math = math
        self.translations = translations
        self.default = config.default_language
        self.by_url = {d.source.url: d for d in reading.documents}
        self.frame = Frame(config, files, reading.documents, math, katex_stylesheet, translations, self.templates)
        self.definitions = definitions
        # Ids the templates write (search box, contents): a heading never takes one, a link may point at one
        self.template_ids = {i for path in sorted(Path(config.templates).glob("*.html"))
                             for i in element_ids(path.read_text("utf-8")) if "{" not in i}

    def sitemap(self) -> str:
        return self.frame.sitemap()

    # ### One page

    def render_page(self, document: Document, lang: str, anchors: dict[int, list[str]] | None = None) -> PageResult:
        """One source's page in one language; a translation reuses the English heading ids, `anchors` by section."""
        result = PageResult("")
        problems = result.problems
        source = document.source
        table = self.translations.page(lang, source.table) if self.frame.translated(source, lang) else None
        gettext = self.frame.gettext(lang)
        used: set[tuple[str, bool]] = set()

        def math(tex: str, display: bool) -> Rendered:
            used.add((tex, display))
            return self.math(tex, display)

        # Ids the author wrote anywhere on the page (`<a id="x">`): generated ids step aside from them
        reserved = self.template_ids | {i for section in document.sections for i in element_ids(section.doc)}
        prose = ProseRenderer(math, self.files.resolver(source, self.frame.language_folder(lang), result.assets),
                              lang=lang, untranslated_notice=gettext(UNTRANSLATED_NOTICE),
                              stale_notice=gettext(STALE_NOTICE), permalink_label=gettext(PERMALINK),
                              reserved_ids=reserved,
                              equation_labels=equation_labels(tex for s in document.sections for tex, _ in formulas(s.doc)))
        seen: Counter = Counter()  # the same text quoted by two issues is found on its next line
        coverage = Coverage()
        highlighted = self.code[source.url]
        rows = []
        headings: list[Heading] = []
        prose_ids: list[str] = []  # headings' and the author's raw HTML's
        for number, section in enumerate(document.sections, start=1):
            doc = section.doc if table is None else translate_prose(section.doc, table, coverage)
            rendered = prose.render(doc, anchors=(anchors or {}).get(number) if lang != self.default else None)
            html = rendered.html
            headings.extend(rendered.headings)
            prose_ids.extend(rendered.ids)
            if lang == self.default:
                result.anchors[number] = [h.anchor for h in rendered.headings]
                problems.extend(self._locate(document, section, issue, seen) for issue in rendered.issues)
                links_seen: Counter = Counter()  # the same link twice is found on its next line
                for written, (page, fragment) in rendered.anchor_links:
                    where = self._locate(document, section, Issue(written, ""), links_seen)
                    result.fragment_links.append([where.path, where.line, written, page, fragment])
            elif table is not None:
                for issue in rendered.issues:
                    if issue.needle not in section.doc:
                        line, column = table.locate(issue.needle)
                        problems.append(Problem(str(table.path), line, f"{issue.message} (in a translation of "
                                                                       f"{source.path})", column))
            # A section without a heading takes `section-N` only now: no id is reserved that is not emitted
            anchor = rendered.section_anchor or prose.claim_id(f"section-{number}")
            names = " ".join(identifiers(document.lines[n - 1] for n in section.code_lines))
            for piece, (piece_anchor, heading, text) in enumerate(plain_text(rendered.search_html, rendered.stash)):
                if piece and not piece_anchor:
                    # The section's own (first) heading: it lost its id to the section
                    piece_anchor = anchor
                if piece == 0 and not text:
                    continue
                result.search.append(dict(a=piece_anchor or anchor, h=heading, x=text, c=names if piece <= 1 else ""))
            # A row shows its code without the blank lines around it; they stay in the page, out of sight
            shown = [n for n in section.code_lines if document.lines[n - 1].strip()] or section.code_lines
            rows.append(
                dict(
                    anchor=anchor,
                    headed=rendered.section_anchor is not None,  # its heading carries the permalink
                    doc=Markup(html),
                    code=[(n, Markup(highlighted[n - 1])) for n in section.code_lines],
                    shown=(shown[0], shown[-1]) if shown else (0, 0),
                    code_href=self.frame.source_href(source, shown),
                    has_code=any(document.lines[n - 1].strip() for n in section.code_lines),
                )
            )
        title = self.frame.title(document, lang, coverage)
        summary = self.frame.summary(document, lang, coverage) or _first_sentences(result.search)
        result.title = title
        result.html = self.templates.render(
            "page.html",
            gettext,
            **self.frame.common(source.url, lang, title, summary),
            rows=rows,
            definitions=self.definitions.page(source.url, self.frame.language_folder(lang),
                                              lambda u: self.frame.title(self.by_url[u], lang)),
            contents=[h for h in headings if h.level > 1] if len(headings) > 1 else [],
            source_path=str(source.path),
            source_href=self.frame.source_href(source, []),
            listing=self.frame.listing(source.url.parent, lang) if source.rel.name == "__init__.py" else [],
            line_href=self.frame.source_href(source, [0]).removesuffix("0"),
            content_lang=lang if (lang == self.default or source.translate) else self.default,
            coverage=coverage if table is not None and coverage.done < coverage.total else None,
            english_only=lang != self.default and not source.translate,  # a folder kept in English
        )
        result.assets = dict(sorted(result.assets.items()))
        result.formulas = sorted([tex, display] for tex, display in used)
        # Every id the page holds, counted without parsing it again: the template's, the rows', the code lines'
        ids = Counter([*self.template_ids, *prose_ids, *(row["anchor"] for row in rows),
                       *(f"L{n}" for row in rows if row["has_code"] for n, _ in row["code"])])
        result.ids = sorted(ids)
        if lang == self.default:
            problems.extend(Problem(str(source.path), self._line_of(document, f'id="{anchor}"'),
                                    f"duplicate id '{anchor}' on the page") for anchor, n in ids.items() if n > 1)
        return result

    def render_listing(self, folder: PurePosixPath, lang: str) -> str:
        url = folder / "index.html"
        title = self.frame.folder_title(folder, lang)
        listing = self.frame.listing(folder, lang)
        summary = "; ".join(page["title"] for group in listing for page in group["pages"])[:155]
        return self.templates.render(
            "page.html",
            self.frame.gettext(lang),
            **self.frame.common(url, lang, title, summary),
            rows=[],
            definitions=None,
            contents=[],
            source_path="",
            source_href="",
            listing=listing,
            line_href="",
            content_lang=lang,
            coverage=None,
            english_only=False,
        )

    def _locate(self, document: Document, section: Section, issue: Issue, seen: Counter) -> Problem:
        """Find the source line an issue is about, from the text it quotes (its next line if quoted before)."""
        needle = next((part.strip() for part in issue.needle.split("\n") if part.strip()), "")
        candidates = sorted(section.doc_lines) or section.code_lines
        lines = [n for n in candidates if needle and document.holds(n, needle)]
        nth = seen[(needle, issue.message)]
        seen[(needle, issue.message)] += 1
        line = lines[min(nth, len(lines) - 1)] if lines else section.doc_line
        return Problem(str(document.source.path), line, issue.message)

    @staticmethod
    def _line_of(document: Document, needle: str) -> int:
        return next((n for n, line in enumerate(document.lines, start=1) if needle in line), 1)



class Frame:
    """
    What surrounds every page's content, in each language: titles and
    summaries (translated, as plain text), listings of folders, breadcrumbs,
    navigation, language links, canonical URLs and the sitemap.
    """

    def __init__(self, config: Config, files: Files, documents: list[Document], math: KatexRenderer,
                 katex_stylesheet: str, translations: Translations, templates: Templates) -> None:
        self.config = config
        self.files = files
        self.documents = documents
        self.templates = templates
        self.math = math
        self.katex_stylesheet = katex_stylesheet
        self.translations = translations
        self.default = config.default_language
        self.by_url = {d.source.url: d for d in documents}
        self.order = reading_order(documents, config.nav)
        self._plain: dict[str, str] = {}

    # ### Site-wide pages

    def folder_indexes(self) -> list[PurePosixPath]:
        """Every folder's `index.html`, language-neutral."""
        return [folder / "index.html" for folder in self.files.folders()]

    def sitemap(self) -> str:
        pages = sorted({d.source.url for d in self.documents} | set(self.folder_indexes()), key=str)
        return self.templates.render(
            "sitemap.xml",
            entries=[dict(loc=self.canonical(url, lang), alternates=self.alternates(url))
                     for url in pages for lang in self.config.languages],
        )

    def language_folder(self, lang: str) -> PurePosixPath:
        return self.config.language_folder(lang)

    def translated(self, source: Source, lang: str) -> bool:
        return self.config.translated(source.translate, lang)

    def title(self, document: Document, lang: str, coverage: Coverage | None = None) -> str:
        return self._unit(document, lang, document.title, coverage)

    def title_lang(self, document: Document, lang: str) -> str:
        """The language of `document`'s title in `lang`'s pages when it is not `lang` (shown in English), else ""."""
        if lang == self.default or (self.translated(document.source, lang)
                                    and self.translations.lookup(lang, document.source.rel, document.title)):
            return ""
        return self.default

    def summary(self, document: Document, lang: str, coverage: Coverage | None = None) -> str:
        return self._unit(document, lang, document.summary, coverage) if document.summary else ""

    def _unit(self, document: Document, lang: str, english: str, coverage: Coverage | None) -> str:
        """A title or summary, translated if it can be, as plain text."""
        if not self.translated(document.source, lang):
            return self.plain(english)
        translation = self.translations.lookup(lang, document.source.table, english)
        if coverage is not None:
            coverage.count(english, translation is not None)
        return self.plain(translation or english)

    def plain(self, markdown: str) -> str:
        if markdown not in self._plain:
            self._plain[markdown] = markdown_to_plain(markdown, self.math)
        return self._plain[markdown]

    def gettext(self, lang: str) -> Callable[[str], str]:
        if lang == self.default:
            return lambda text: text
        return interface_gettext(self.translations.ui(lang))

    # ### Listings, breadcrumbs, links

    def listing(self, folder: PurePosixPath, lang: str) -> list[dict]:
        """Pages below `folder`, grouped by folder, for an index page."""
        here = folder / "index.html"
        groups: dict[PurePosixPath, list[dict]] = {}
        for document in sorted(self.documents, key=lambda d: self.order.index(d.source.url)):
            url = document.source.url
            if url.name == "index.html" or (folder != PurePosixPath(".") and folder not in url.parents):
                continue  # a folder's own index is the heading of its group
            english = lang != self.default and not self.translated(document.source, lang)
            groups.setdefault(url.parent, []).append(
                dict(href=relative_url(url, here), title=self.title(document, lang),
                     summary=self.summary(document, lang), lang=self.default if english else "")
            )
        return [
            dict(name=self.folder_title(parent, lang), href=relative_url(parent / "index.html", here), own=parent == folder,
                 summary=self._folder_summary(parent, lang), pages=pages,
                 lang=pages[0]["lang"] if len({p["lang"] for p in pages}) == 1 else "")
            for parent, pages in groups.items()  # in reading order
        ]

    def folder_title(self, folder: PurePosixPath, lang: str) -> str:
        index = self.by_url.get(folder / "index.html")
        if index is not None:
            return self.title(index, lang)
        # A source folder without `__init__.py`: the title its settings give it, else its name
        configured = next((r.title for r in self.config.sources if r.title and PurePosixPath(r.prefix) == folder
                           and r.prefix), "")
        return self.gettext(lang)(configured) if configured else folder.name or self.gettext(lang)(self.config.title)

    def folder_title_lang(self, folder: PurePosixPath, lang: str) -> str:
        index = self.by_url.get(folder / "index.html")
        return self.title_lang(index, lang) if index is not None else ""

    def _folder_summary(self, folder: PurePosixPath, lang: str) -> str:
        index = self.by_url.get(folder / "index.html")
        return self.summary(index, lang) if index is not None else ""

    def common(self, url: PurePosixPath, lang: str, title: str, summary: str) -> dict:
        """What every page shows around its content. `url` is language-neutral."""
        gettext = self.gettext(lang)
        page = self.language_folder(lang) / url
        crumbs = []
        for parent in reversed(url.parents):
            index = parent / "index.html"
            if index != url:
                name = self.folder_title(parent, lang) if parent != PurePosixPath(".") else gettext(HOME)
                crumbs.append(dict(title=name, href=relative_url(self.language_folder(lang) / index, page),
                                   lang=self.folder_title_lang(parent, lang) if parent != PurePosixPath(".") else ""))
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
            repository=self.config.repo_url,
            navigation=navigation(
                self.order, url, self.language_folder(lang),
                lambda u: (self.title(self.by_url[u], lang), self.title_lang(self.by_url[u], lang)),
                lambda folder: (self.folder_title(folder, lang), self.folder_title_lang(folder, lang))),
            home=relative_url(self.language_folder(lang) / "index.html", page),
            static=relative_url(site_assets.STATIC, page),
            language_root=relative_url(self.language_folder(lang) / "index.html", page).removesuffix("index.html"),
            search_index=relative_url(site_assets.search_index(lang), page),
            script_text={key: gettext(text) for key, text in SCRIPT_STRINGS.items()},
            katex_css=self.katex_stylesheet if "://" in self.katex_stylesheet
            else relative_url(self.katex_stylesheet, page),
            lang=lang,
            locale=og_locale(lang),
        )

    def canonical(self, url: PurePosixPath, lang: str) -> str:
        """The page's absolute URL; none without a site URL (a relative one would be invalid)."""
        if not self.config.site_url:
            return ""
        path = str(self.language_folder(lang) / url)
        if url.name == "index.html":
            path = path.removesuffix("index.html")
        return self.config.site_url + quote(path)

    def alternates(self, url: PurePosixPath) -> list[dict]:
        """`hreflang` links to the page in every language, and the default for others."""
        if len(self.config.languages) < 2 or not self.config.site_url:
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


@dataclass
class Coverage:
    """How many units of a translated page have a translation; a unit written twice counts once, as in `status`."""

    units: dict[str, bool] = field(default_factory=dict)

    def count(self, unit: str, translated: bool) -> None:
        if has_words(unit):
            self.units[unit] = translated

    @property
    def done(self) -> int:
        return sum(self.units.values())

    @property
    def total(self) -> int:
        return len(self.units)


def translate_prose(doc: str, table: Table, coverage: Coverage) -> str:
    """The prose of a section with each unit replaced by its translation, if it has one."""
    parts = []
    for unit in split_units(doc):
        if not has_words(unit):
            parts.append(unit)  # only formulas or code: the same in every language
            continue
        translation = table.get(unit)
        coverage.count(unit, translation is not None)
        parts.append(translation if translation is not None else mark_untranslated(unit, stale=table.stale(unit)))
    return "\n\n".join(parts)


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
    parser = _PlainText()
    parser.feed(readable_part(html))  # the MathML only: KaTeX's drawn copy is most of the HTML and adds no text
    parser.close()
    return "".join(parser.pieces[0][2])


_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Elements whose text stands apart from its neighbours' (cells, items, paragraphs)
_BLOCKS = {"p", "li", "td", "th", "tr", "dt", "dd", "ul", "ol", "dl", "table", "caption", "figcaption",
           "blockquote", "pre", "div", "br", "hr"}
_BOUNDARY = "\0"
# A block ending in punctuation is apart from the next already; any other is followed by " · "
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
    found: dict[str, None] = {}
    for line in lines:
        for name in _IDENTIFIER.findall(line.split("#", 1)[0]):
            if not keyword.iskeyword(name) and len(name) > 1:
                found.setdefault(name, None)
    return list(found)


def _first_sentences(sections: list[dict], limit: int = 155) -> str:
    """A description for a page without a summary: the start of its prose."""
    text = next((s["x"] for s in sections if s["x"]), "")
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
