"""
# Reading order and site navigation

In: the site's documents. Out: the order in which to read its pages (a list of
page URLs), and, for one page, plain records for the templates: the previous
and next page, and the tree of the whole site. The tree is made once for each
folder and language (`SiteTree`: its links are relative to the folder) and
only the folders above a page are copied to mark where the reader is.

A folder's guide (its `__init__.py` or readme) lists its pages in the order it
means them to be read, so the order comes from the pages themselves: starting
from the site's home page, each guide places the pages it links, in the order
its links appear (a link to a folder places that folder's guide, and so the
whole folder); then come the folder's other guides (`__init__.py` leads, so its
order wins over a readme's), its other pages by name, and its sub-folders.
Links are read with the prose renderer, the same grammar that renders them.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Callable, Iterable, Protocol
from urllib.parse import urlsplit

from .files import relative_from, relative_url
from .model import Source
from .prose import inventory

GUIDES = ("__init__.py", "readme.md", "README.md", "index.md")


class _Readable(Protocol):
    source: Source
    sections: list


def is_guide(source: Source) -> bool:
    return source.rel.name in GUIDES


def reading_order(documents: Iterable[_Readable], nav: Iterable[str] = ()) -> list[PurePosixPath]:
    """Every page URL once, in reading order: the pages `nav` names first, in its order, then the guides' order."""
    nav = list(nav)
    documents = sorted(documents, key=lambda d: (not is_guide(d.source), str(d.source.url)))
    by_path = {PurePosixPath(d.source.path): d for d in documents}
    folders: dict[PurePosixPath, list[_Readable]] = {}
    for document in documents:
        folders.setdefault(document.source.url.parent, []).append(document)
    order: dict[PurePosixPath, None] = {}
    urls = {d.source.url for d in documents}
    nav_pages = set(map(PurePosixPath, nav)) & urls
    for url in map(PurePosixPath, nav):
        if url in urls:  # a page that is gone leaves the order, not the build
            order[url] = None

    def visit(document: _Readable) -> None:
        if document.source.url in order and document.source.url not in nav_pages:
            return
        nav_pages.discard(document.source.url)  # listed pages are placed, but their guides still lead on
        order.setdefault(document.source.url, None)
        if is_guide(document.source):
            for target in _linked(document, by_path):
                visit(target)
            visit_folder(document.source.url.parent)

    def visit_folder(folder: PurePosixPath) -> None:
        for document in folders.get(folder, []):
            visit(document)  # guides first (they come first in the sort), then by name
        for sub in sorted(f for f in folders if f.parent == folder and f != folder):
            visit_folder(sub)

    visit_folder(PurePosixPath("."))
    for document in documents:  # folders out of the root's reach
        visit(document)
    return list(order)


def _linked(guide: _Readable, by_path: dict[PurePosixPath, _Readable]) -> list[_Readable]:
    """The documents a guide links to, in the order of its links."""
    prose = "\n\n".join(section.doc for section in guide.sections)
    here = PurePosixPath(guide.source.path).parent
    found = []
    for kind, url in inventory(prose):
        parts = urlsplit(url)
        if kind != "link" or parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
            continue
        target = PurePosixPath(posixpath.normpath(str(here / parts.path)))
        candidates = [target] + [target / name for name in GUIDES]
        document = next((by_path[c] for c in candidates if c in by_path), None)
        if document is not None:
            found.append(document)
    return found


@dataclass
class Link:
    title: str
    href: str
    current: bool = False
    lang: str = ""  # the title's language where it is not the page's (an English title awaiting translation)


@dataclass
class Folder:
    """A folder of the site's tree: its guide, its pages in order, its sub-folders."""

    index: Link  # its own page
    current: bool = False  # the page shown is in it, or below it
    pages: list[Link] = field(default_factory=list)
    folders: list[Folder] = field(default_factory=list)
    # Its HTML in the tree, where that is the same on every page that sees it (none of its pages shown)
    html: str = ""
    # The top of the tree: its pages' list as HTML, where none of them is shown (every page has this list)
    pages_html: str = ""


@dataclass
class Navigation:
    previous: Link | None
    next: Link | None
    tree: Folder


class SiteTree:
    """
    The tree of the whole site as the pages of one folder see it, in one
    language: every page and folder of the reading `order`, with links relative
    to `folder` (every page of a folder shares them). Built once per folder and
    language, then `marked` for each page, so a page costs the folders above it,
    not the whole site. With `render`, each folder also carries its HTML, for the
    pages that show it closed.
    """

    def __init__(self, order: list[PurePosixPath], folder: PurePosixPath, language: PurePosixPath,
                 title: Callable[[PurePosixPath], tuple[str, str]],
                 folder_title: Callable[[PurePosixPath], tuple[str, str]],
                 render: Callable[[Folder], str] | None = None,
                 render_pages: Callable[[list[Link]], str] | None = None) -> None:
        seen_from = language / folder / "index.html"  # a link's href depends only on the folder it is seen from
        self._order = order
        self._at = {url: at for at, url in enumerate(order)}
        self._page_urls: dict[PurePosixPath, list[PurePosixPath]] = {}  # by folder, its pages' URLs, in order
        self._sub_paths: dict[PurePosixPath, list[PurePosixPath]] = {}  # by folder, its sub-folders
        self._title = title
        self._prefix = "" if language == PurePosixPath(".") else f"{language}/"  # of a page's URL in this language
        self._folder = str(seen_from.parent) or "."
        folders: dict[PurePosixPath, Folder] = {}

        def add(path: PurePosixPath) -> Folder:
            if path not in folders:
                text, lang = folder_title(path)
                folders[path] = Folder(Link(text, relative_url(language / path / "index.html", seen_from), False, lang))
                self._page_urls[path], self._sub_paths[path] = [], []
                if path != PurePosixPath("."):
                    add(path.parent).folders.append(folders[path])
                    self._sub_paths[path.parent].append(path)
            return folders[path]

        for url in order:
            if url.name != "index.html":
                add(url.parent).pages.append(self.link(url, None))
                self._page_urls[url.parent].append(url)
            else:
                add(url.parent)
        self._tree = add(PurePosixPath("."))
        if render is not None:  # the deepest first: a folder's HTML takes in its sub-folders'
            for path in sorted(folders, key=lambda p: -len(p.parts)):
                folders[path].html = render(folders[path]) if path != PurePosixPath(".") else ""
        if render_pages is not None:
            self._tree.pages_html = render_pages(self._tree.pages)

    def link(self, url: PurePosixPath, here: PurePosixPath | None) -> Link:
        text, lang = self._title(url)
        return Link(text, relative_from(f"{self._prefix}{url}", self._folder), url == here, lang)

    def marked(self, here: PurePosixPath) -> Folder:
        """The tree with `here` current and the folders that hold it open; the others are shared, unchanged."""
        above = set(here.parents)

        def mark(path: PurePosixPath, folder: Folder) -> Folder:
            if path not in above:
                return folder
            index = replace(folder.index, current=True) if path / "index.html" == here else folder.index
            pages = [replace(link, current=True) if url == here else link
                     for url, link in zip(self._page_urls[path], folder.pages)]
            return Folder(index, True, pages, [mark(sub, f) for sub, f in zip(self._sub_paths[path], folder.folders)],
                          pages_html=folder.pages_html if here.parent != path else "")

        return mark(PurePosixPath("."), self._tree)

    def navigation(self, here: PurePosixPath) -> Navigation:
        """What the page `here` (language-neutral, in this tree's folder) shows of the site."""
        at = self._at.get(here, -1)
        previous = self.link(self._order[at - 1], here) if at > 0 else None
        following = self.link(self._order[at + 1], here) if 0 <= at < len(self._order) - 1 else None
        return Navigation(previous, following, self.marked(here))
