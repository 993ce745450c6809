"""
# Rendering pages

`Site` turns gathered documents into HTML, in every language: a page per
source, a listing for every folder, and `sitemap.xml`. The code column is the
same in every language; the prose of a translated page is the English with
each unit replaced by its translation, or kept in English and marked so.

Everything a page needs from the rest of the site (titles, URLs, which files
exist) is known before rendering starts, so pages can be rendered in any order,
in parallel, and each one depends only on what its task names. Rendering reads
nothing from the disk: links resolve against the gathered file map, a page's
translation table comes as text in its task, and the templates, the planned
titles and the interface tables are in the `Site`, made before any worker is
forked.

In: a task (a page or a folder's listing in one language; a translated page's
table and English heading ids). Out: a `PageResult` (HTML, every problem found
in the source or its table, linked files to copy, heading ids, search
sections, formulas used). `Frame` is what surrounds every page's content
(titles, listings, breadcrumbs, navigation, language links).

A section's prose is rendered once for what it is made from: its text, the
ids the page's earlier sections took and where footnote numbering stands,
and what the page's task says of the settings, the site and the interface
table. `SectionMemo` keeps what rendering it gave (`SectionMade`) between
builds, so an edit renders again only the sections it changed, in each
language; the rest of the page (code, navigation, the template) is made anew.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from markupsafe import Markup, escape

from . import assets as site_assets
from .config import Config
from .document import Document
from .files import Files, relative_url
from .grammar import formulas
from .math import KatexRenderer, Rendered, equation_labels
from .definitions import Definitions
from .navigation import Folder, Link, SiteTree
from .addresses import Addresses
from .model import Heading, PageResult, Problem, Section, Source
from .page import Templates
from .plan import Plan, Task, translated
from .read import Reading
from .prose import Issue, ProseRenderer, ProseResult, element_ids, mark_untranslated, markdown_to_plain
from .search_text import first_sentences, identifiers, search_entries
from .translate import (
    HOME,
    PERMALINK,
    SCRIPT_STRINGS,
    STALE_NOTICE,
    UNTRANSLATED_NOTICE,
    Table,
    has_words,
    interface_gettext,
    og_locale,
    split_units,
    usable_table,
)



class Site:
    """Renders every page of the site, in every language, from gathered documents."""

    def __init__(self, config: Config, files: Files, reading: Reading, math: KatexRenderer,
                 plan: Plan, definitions: Definitions, compiled: Path | None = None,
                 memo: SectionMemo | None = None) -> None:
        """
        `compiled`: where compiled templates are kept between builds (the cache's; none without one).
        `memo`: sections rendered by earlier builds.
        """
        self.config = config
        self.memo = memo or SectionMemo()
        self.files = files
        self.highlighted = reading.highlighted  # a source's lines, unpacked page by page
        self.load_code = reading.load  # the code of pages about to be rendered, read from the cache
        # Read and compiled now: rendering reads nothing from the disk
        self.templates = Templates(config.templates, compiled)
        self.math = math
        self.default = config.default_language
        self.by_url = {d.source.url: d for d in reading.documents}
        self.addresses = Addresses(config)
        self.frame = Frame(config, reading.documents, math, plan, self.addresses,
                           self.templates.macro("tree.html", "tree_folder"), self.templates.macro("tree.html", "top_pages"))
        self.definitions = definitions
        # Ids the templates write (search box, contents): a heading never takes one, a link may point at one
        self.template_ids = {i for name, text in self.templates.sources.items() if name.endswith(".html")
                             for i in element_ids(text) if "{" not in i}
        self._page_marks: dict[PurePosixPath, tuple[set[str], dict[str, str]]] = {}  # `_marks`

    def sitemap(self) -> str:
        pages = {d.source.url for d in self.by_url.values()} | {f / "index.html" for f in self.files.folders()}
        return self.templates.render("sitemap.xml", entries=self.addresses.sitemap(list(pages)))

    # ### One page

    def _marks(self, document: Document) -> tuple[set[str], dict[str, str]]:
        """
        The ids the author wrote anywhere on the page (`<a id="x">`: generated
        ids step aside from them) and its equations' labels: of its English, so
        found once for all its languages.
        """
        found = self._page_marks.get(document.source.url)
        if found is None:
            ids = {i for section in document.sections for i in element_ids(section.doc)}
            labels = equation_labels(tex for s in document.sections for tex, _ in formulas(s.doc))
            found = self._page_marks[document.source.url] = ids, labels
        return found

    def render_page(self, task: Task) -> PageResult:
        """
        One source's page in one language, from its task: a translation is
        made from the table the task carries and reuses the English heading ids.
        """
        result = PageResult("")
        problems = result.problems
        document, lang = self.by_url[task.url], task.lang
        anchors = dict(enumerate(task.anchors, start=1))
        source = document.source
        table = None
        if task.table is not None:
            table, unusable = usable_table(task.table)
            problems.extend(unusable)
        gettext = self.frame.gettext(lang)
        used: set[tuple[str, bool]] = set()  # by the section being rendered
        page_formulas: set[tuple[str, bool]] = set()
        linked: dict[str, str] = {}  # files the section being rendered links to

        def math(tex: str, display: bool) -> Rendered:
            used.add((tex, display))
            return self.math(tex, display)

        written, labels = self._marks(document)
        reserved = self.template_ids | written
        prose = ProseRenderer(math, self.files.resolver(source, self.config.language_folder(lang), linked),
                              lang=lang, untranslated_notice=gettext(UNTRANSLATED_NOTICE),
                              stale_notice=gettext(STALE_NOTICE), permalink_label=gettext(PERMALINK),
                              permalink_lang=lang if lang != self.default and not source.translate else "",
                              reserved_ids=reserved, equation_labels=labels)
        # What every section's rendering reads besides its own text and the page's ids so far
        page_inputs = (lang, task.settings, task.structure, task.ui, repr(source), repr(sorted(labels.items())))
        seen: Counter = Counter()  # the same text quoted by two issues is found on its next line
        coverage = Coverage()
        highlighted = self.highlighted(source.url)
        definitions = self.definitions.page(source.url, self.config.language_folder(lang),
                                            lambda u: (self.frame.title(self.by_url[u], lang),
                                                       self.frame.title_lang(self.by_url[u], lang)))
        line_href = self.addresses.source_href(source, [0]).removesuffix("0")
        rows = []
        headings: list[Heading] = []
        prose_ids: list[str] = []  # headings' and the author's raw HTML's
        for number, section in enumerate(document.sections, start=1):
            doc = section.doc if table is None else translate_prose(section.doc, table, coverage)
            section_anchors = list(anchors.get(number, ())) if lang != self.default else None
            names = identifiers(document.lines[n - 1] for n in section.code_lines)
            position = prose.position()
            key = self.memo.key(page_inputs, [number, doc, section_anchors, names, position])
            rendered = self.memo.get(key)
            if rendered is None:
                used.clear()
                linked.clear()
                prosed = prose.render(doc, anchors=section_anchors)
                # A section without a heading takes `section-N` only now: no id is reserved that is not emitted
                anchor = prosed.section_anchor or prose.claim_id(f"section-{number}")
                ids, footnotes = prose.position()
                rendered = SectionMade.of(prosed, anchor, search_entries(prosed, anchor, names),
                                          sorted(set(ids) - set(position[0])), footnotes, linked, used)
                self.memo.add(key, rendered)
            else:
                prose.skip(rendered.claimed, rendered.footnotes)
            result.sections.append(key)
            result.assets.update(rendered.assets)
            page_formulas.update((tex, display) for tex, display in rendered.formulas)
            html = rendered.html
            headings.extend(rendered.headings)
            prose_ids.extend(rendered.ids)
            if lang == self.default:
                result.anchors[number] = [h.anchor for h in rendered.headings]
                problems.extend(locate(document, section, issue, seen) for issue in rendered.issues)
                links_seen: Counter = Counter()  # the same link twice is found on its next line
                for written, (page, fragment) in rendered.anchor_links:
                    where = locate(document, section, Issue(written, ""), links_seen)
                    result.fragment_links.append([where.path, where.line, written, page, fragment])
            elif table is not None:
                for issue in rendered.issues:
                    if issue.needle not in section.doc:
                        line, column = table.locate(issue.needle)
                        problems.append(Problem(str(table.path), line, f"{issue.message} (in a translation of "
                                                                       f"{source.path})", column))
            anchor = rendered.anchor
            result.search += rendered.search
            # A row shows its code without the blank lines around it; they stay in the page, out of sight
            shown = [n for n in section.code_lines if document.lines[n - 1].strip()] or section.code_lines
            rows.append(
                dict(
                    anchor=anchor,
                    headed=rendered.section_anchor is not None,  # its heading carries the permalink
                    doc=Markup(html),
                    numbers=section.code_lines,
                    lines=code_lines([(n, highlighted[n - 1]) for n in section.code_lines], shown, line_href),
                    uses=[definitions["used"][n] for n in section.code_lines if n in definitions["used"]],
                    shown=(shown[0], shown[-1]) if shown else (0, 0),
                    code_href=self.addresses.source_href(source, shown),
                    has_code=any(document.lines[n - 1].strip() for n in section.code_lines),
                )
            )
        english_only = lang != self.default and not source.translate  # a folder kept in English
        if english_only:  # its search results say so, as its page does
            result.search = [{**entry, "l": self.default} for entry in result.search]
        title = self.frame.plain(translated(table, document.title, coverage.count))
        summary = self.frame.plain(translated(table, document.summary, coverage.count)) or first_sentences(result.search)
        result.title = title
        result.html = self.templates.render(
            "page.html",
            gettext,
            **self.frame.common(source.url, lang, title, summary),
            rows=rows,
            definitions=definitions,
            contents=[h for h in headings if h.level > 1] if len(headings) > 1 else [],
            source_path=str(source.path),
            source_href=self.addresses.source_href(source, []),
            listing=self.frame.listing(source.url.parent, lang) if source.rel.name == "__init__.py" else [],
            line_href=line_href,
            content_lang=lang if (lang == self.default or source.translate) else self.default,
            coverage=coverage if table is not None and coverage.done < coverage.total else None,
            english_only=english_only,
        )
        result.assets = dict(sorted(result.assets.items()))
        result.formulas = sorted([tex, display] for tex, display in page_formulas)
        # Every id the page holds, counted without parsing it again: the template's, the rows', the code lines'
        ids = Counter([*self.template_ids, *prose_ids, *(row["anchor"] for row in rows),
                       *(f"L{n}" for row in rows if row["has_code"] for n in row["numbers"])])
        result.ids = sorted(ids)
        if lang == self.default:
            problems.extend(Problem(str(source.path), _line_of(document, f'id="{anchor}"'),
                                    f"duplicate id '{anchor}' on the page") for anchor, n in ids.items() if n > 1)
        return result

    def render_listing(self, task: Task) -> str:
        url, lang = task.url, task.lang
        folder = url.parent
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

class Frame:
    """
    What surrounds every page's content, in each language: titles and
    summaries (translated, as plain text), listings of folders, breadcrumbs,
    navigation and language links; addresses come from `Addresses`.
    """

    def __init__(self, config: Config, documents: list[Document], math: KatexRenderer,
                 plan: Plan, addresses: Addresses, render_folder: Callable[[Folder], str] | None = None,
                 render_pages: Callable[[list[Link]], str] | None = None) -> None:
        self.config = config
        self.addresses = addresses
        self.documents = documents
        self.math = math
        self.titles = plan.titles  # every page's, by language, as planned
        self.interface = plan.interface
        self.default = config.default_language
        self.by_url = {d.source.url: d for d in documents}
        self.order = plan.order
        self.position = {url: at for at, url in enumerate(self.order)}
        self._plain: dict[str, str] = {}
        self._trees: dict[tuple[PurePosixPath, str], SiteTree] = {}
        self.render_folder = render_folder  # a folder of the site's tree as HTML (the template's macro)
        self.render_pages = render_pages  # the pages at the top of the tree as HTML (the template's macro)

    def translated(self, source: Source, lang: str) -> bool:
        return self.config.translated(source.translate, lang)

    def title(self, document: Document, lang: str) -> str:
        """A page's title in `lang` as plain text, as planned."""
        return self.plain(self.titles[lang][document.source.url][0])

    def summary(self, document: Document, lang: str) -> str:
        return self.plain(self.titles[lang][document.source.url][1])

    def title_lang(self, document: Document, lang: str) -> str:
        """The language of `document`'s title in `lang`'s pages when it is not `lang` (shown in English), else ""."""
        return "" if lang == self.default or self.titles[lang][document.source.url][2] else self.default

    def plain(self, markdown: str) -> str:
        if markdown not in self._plain:
            self._plain[markdown] = markdown_to_plain(markdown, self.math)
        return self._plain[markdown]

    def gettext(self, lang: str) -> Callable[[str], str]:
        if lang == self.default:
            return lambda text: text
        return interface_gettext(self.interface[lang])

    # ### Listings, breadcrumbs, links

    def listing(self, folder: PurePosixPath, lang: str) -> list[dict]:
        """Pages below `folder`, grouped by folder, for an index page."""
        here = folder / "index.html"
        groups: dict[PurePosixPath, list[dict]] = {}
        for document in sorted(self.documents, key=lambda d: self.position[d.source.url]):
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

    def _tree(self, folder: PurePosixPath, lang: str) -> SiteTree:
        """The site's tree as the pages of `folder` see it, made once per folder and language."""
        key = (folder, lang)
        if key not in self._trees:
            self._trees[key] = SiteTree(
                self.order, folder, self.config.language_folder(lang),
                lambda u: (self.title(self.by_url[u], lang), self.title_lang(self.by_url[u], lang)),
                lambda f: (self.folder_title(f, lang), self.folder_title_lang(f, lang)),
                self.render_folder, self.render_pages)
        return self._trees[key]

    def common(self, url: PurePosixPath, lang: str, title: str, summary: str) -> dict:
        """What every page shows around its content. `url` is language-neutral."""
        gettext = self.gettext(lang)
        page = self.config.language_folder(lang) / url
        crumbs = []
        for parent in reversed(url.parents):
            index = parent / "index.html"
            if index != url:
                name = self.folder_title(parent, lang) if parent != PurePosixPath(".") else gettext(HOME)
                crumbs.append(dict(title=name, href=relative_url(self.config.language_folder(lang) / index, page),
                                   lang=self.folder_title_lang(parent, lang) if parent != PurePosixPath(".") else ""))
        return dict(
            site_title=gettext(self.config.title),
            title=title,
            # the language of the title, and of the code, where it is not the page's
            title_lang=(self.title_lang(self.by_url[url], lang) if url in self.by_url
                        else self.folder_title_lang(url.parent, lang)),
            source_lang=self.default if lang != self.default else "",
            summary=summary,
            canonical=self.addresses.canonical(url, lang),
            alternates=self.addresses.alternates(url),
            languages=[
                dict(code=other, name=self.config.language_names.get(other, other),
                     href=relative_url(self.config.language_folder(other) / url, page), current=other == lang)
                for other in self.config.languages
            ] if len(self.config.languages) > 1 else [],
            breadcrumbs=crumbs,
            repository=self.config.repo_url,
            navigation=self._tree(url.parent, lang).navigation(url),
            home=relative_url(self.config.language_folder(lang) / "index.html", page),
            static=relative_url(site_assets.STATIC, page),
            language_root=relative_url(self.config.language_folder(lang) / "index.html", page).removesuffix("index.html"),
            search_index=relative_url(site_assets.search_index(lang), page),
            script_text={key: gettext(text) for key, text in SCRIPT_STRINGS.items()},
            lang=lang,
            locale=og_locale(lang),
        )

def code_lines(code: list[tuple[int, str]], shown: list[int], line_href: str) -> Markup:
    """
    A row's code lines as its `<pre>` holds them: each a `<span class="line">`
    with its number (a link to the line in the repository, with `line_href`)
    and its highlighted HTML. The blank lines before and after the `shown`
    ones are kept (their numbers link) but marked `edge`, to take no room;
    a line break follows each shown line but the last.
    """
    first, last = (shown[0], shown[-1]) if shown else (0, 0)
    href = escape(line_href)
    parts = []
    for number, html in code:
        edge = number < first or number > last
        parts.append(f'<span class="line edge" id="L{number}">' if edge else f'<span class="line" id="L{number}">')
        parts.append(f'<a class="ln" href="{href}{number}" aria-hidden="true" tabindex="-1">{number}</a>' if line_href
                     else f'<span class="ln" aria-hidden="true">{number}</span>')
        parts.append(html)
        parts.append("</span>" if edge or number >= last else "</span>\n")
    return Markup("".join(parts))


def locate(document: Document, section: Section, issue: Issue, seen: Counter) -> Problem:
    """Find the source line an issue is about, from the text it quotes (its next line if quoted before)."""
    needle = next((part.strip() for part in issue.needle.split("\n") if part.strip()), "")
    candidates = sorted(section.doc_lines) or section.code_lines
    lines = [n for n in candidates if needle and document.holds(n, needle)]
    nth = seen[(needle, issue.message)]
    seen[(needle, issue.message)] += 1
    line = lines[min(nth, len(lines) - 1)] if lines else section.doc_line
    return Problem(str(document.source.path), line, issue.message)


def _line_of(document: Document, needle: str) -> int:
    return next((n for n, line in enumerate(document.lines, start=1) if needle in line), 1)


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


@dataclass
class SectionMade:
    """
    One section's prose as a page shows it, and what rendering it did to the
    page: the ids it took and where footnote numbering stood after it, the
    files it links to and the formulas it shows. Remembered between builds
    (`SectionMemo`), so an edit re-renders only the sections it changed.
    """

    html: str
    headings: list[Heading]
    ids: list[str]  # headings' and the author's raw HTML's
    issues: list[Issue]
    anchor_links: list[tuple[str, tuple[str, str]]]  # (url as written, (page, fragment))
    section_anchor: str | None  # its first heading's id
    anchor: str  # the section's id: its first heading's, else `section-N`
    search: list[dict[str, str]]
    claimed: list[str]  # ids it took on the page
    footnotes: int  # the page's footnote count after it
    assets: dict[str, str]  # site path → disk path
    formulas: list[tuple[str, bool]]

    @classmethod
    def of(cls, rendered: ProseResult, anchor: str, search: list[dict[str, str]], claimed: list[str],
           footnotes: int, assets: dict[str, str], formulas: set[tuple[str, bool]]) -> SectionMade:
        return cls(rendered.html, rendered.headings, rendered.ids, rendered.issues, rendered.anchor_links,
                   rendered.section_anchor, anchor, search, claimed, footnotes, dict(assets), sorted(formulas))

    def to_json(self) -> dict:
        """As `asdict` makes it, field by field (faster: a cold build stores thousands)."""
        return {**vars(self), "headings": [vars(h) for h in self.headings], "issues": [vars(i) for i in self.issues]}

    @classmethod
    def from_json(cls, data: dict) -> SectionMade:
        """A remembered section; `TypeError`/`ValueError` (a miss, never a crash) for any other shape."""
        made = cls(**{**data, "headings": [Heading(**{**h, "text": _html(h["text"])}) for h in data["headings"]],
                      "issues": [Issue(**i) for i in data["issues"]],
                      "anchor_links": [(url, (page, fragment)) for url, (page, fragment) in data["anchor_links"]],
                      "formulas": [(tex, display) for tex, display in data["formulas"]]})
        if not (isinstance(made.html, str) and isinstance(made.anchor, str) and type(made.footnotes) is int
                and all(isinstance(x, str) for x in [*made.ids, *made.claimed, *made.assets, *made.assets.values()])
                and all(isinstance(tex, str) and isinstance(display, bool) for tex, display in made.formulas)):
            raise ValueError("not a rendered section")
        return made


def _html(text: object) -> Markup:
    """A remembered heading's HTML, safe again as when it was made (JSON keeps only the string)."""
    if not isinstance(text, str):
        raise ValueError("a heading's HTML is not a string")
    return Markup(text)


class SectionMemo:
    """
    Sections rendered by earlier builds, by a key of everything their
    rendering reads (`recall`, the cache's, in the process that made the memo
    only: a forked worker renders), and the sections rendered since last
    `take`n, for the main process to store.
    """

    def __init__(self, recall: Callable[[str], SectionMade | None] = lambda key: None,
                 key: Callable[..., str] | None = None) -> None:
        self._recall = recall
        self._key = key  # of the section's inputs (`digest`, with the versions of the tools); none without a cache
        self._owner = os.getpid()
        self.fresh: dict[str, SectionMade] = {}

    def key(self, page_inputs: tuple[str, ...], section_inputs: list) -> str:
        """The key of a section's rendering; "" without a cache (its inputs are not even encoded: nothing is kept)."""
        return self._key(*page_inputs, json.dumps(section_inputs)) if self._key is not None else ""

    def get(self, key: str) -> SectionMade | None:
        return self._recall(key) if key and os.getpid() == self._owner else None

    def add(self, key: str, made: SectionMade) -> None:
        if key:
            self.fresh[key] = made

    def take(self) -> dict[str, dict]:
        """The sections rendered since the last call, as JSON values, and forgotten here."""
        fresh, self.fresh = self.fresh, {}
        return {key: made.to_json() for key, made in fresh.items()}
