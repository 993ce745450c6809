"""
# Finding sources and resolving links

Everything is gathered before anything is rendered, so that a page can link to
any other page and every link can be checked. `discover` walks the source
folders (without following symbolic links, so a link loop cannot trap it, and
never into the output folder); `Files` knows every page's URL and turns a link
written in a source into the link to publish.

A link is resolved inside its source folder only. A target that would leave it
(`../../../etc/passwd`, an absolute path, a symbolic link pointing elsewhere) is
reported as broken and never read.

In: the settings (source folders, output folder). Out: the `Source` records of
the pages, the `FileMap` of every file a link may reach (gathered once; links
are resolved against it, never against the disk), and `Files`, which turns a
link written in a source into the link to publish.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Iterator
from urllib.parse import quote, unquote, urlsplit

from .config import Config, SourceRoot
from .model import LinkResult, Source

_SKIP_DIRS = {"__pycache__", "node_modules", "site-packages", ".git", ".hg", ".svn", ".site_gen_cache",
              ".hypothesis", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox", ".nox"}


def walk(config: Config, root: SourceRoot) -> Iterator[Path]:
    """
    Every file of a source folder, in a stable order, without following
    symbolic links and without entering version control or tool folders,
    virtual environments or the output folder. Hidden folders are walked:
    a page may show an image from `.figures/`, though no page comes from one.
    """
    out = config.out.resolve()
    for folder, dirs, names in os.walk(root.dir, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(
            d for d in dirs
            if d not in _SKIP_DIRS and (here / d).resolve() != out and not (here / d / "pyvenv.cfg").exists()
        )
        yield from (here / name for name in sorted(names))


def discover(config: Config) -> list[Source]:
    """Every Python file and `readme.md` under the source folders, sorted."""
    found: list[Source] = []
    for root in config.sources:
        for path in walk(config, root):
            name = path.name
            kind = "python" if name.endswith(".py") else "markdown" if name.lower() == "readme.md" else None
            rel = PurePosixPath(path.relative_to(root.dir).as_posix())
            if kind is None or path.is_symlink() or any(part.startswith(".") for part in rel.parts[:-1]):
                continue
            table = PurePosixPath(root.prefix, rel.with_suffix(".json"))
            found.append(Source(_display_path(config, path), page_url(root, rel), rel, kind, root.title, root.translate,
                                table))
    _unique_tables(found)
    return _unique_urls(sorted(found, key=lambda s: (str(s.url), s.rel.name != "__init__.py", str(s.path))))


def _unique_tables(sources: list[Source]) -> None:
    """
    Two sources can claim one translation table (`readme.py` and `readme.md`,
    or two folders without a prefix that both hold `__init__.py`): the first
    keeps it, the others keep their extension (`readme.md.json`), so no update
    overwrites another's translations.
    """
    taken: set[PurePosixPath] = set()
    for source in sorted(sources, key=lambda s: (str(s.table), s.kind != "python", str(s.path))):
        if source.table in taken:
            source.table = source.table.with_name(source.rel.name + ".json")
        taken.add(source.table)


def _unique_urls(sources: list[Source]) -> list[Source]:
    """
    Two files can claim one page (`index.py` and `__init__.py`, `readme.py` and
    `readme.md`): the first keeps it, the others are published under their own
    file name (`index.py.html`), so no page overwrites another.
    """
    taken: set[PurePosixPath] = set()
    for source in sources:
        if source.url in taken:
            source.url = source.url.with_name(source.rel.name + ".html")
        taken.add(source.url)
    return sorted(sources, key=lambda s: str(s.url))


def page_url(root: SourceRoot, rel: PurePosixPath) -> PurePosixPath:
    """`optimizers/adam.py` → `optimizers/adam.html`; `__init__.py` → `index.html`."""
    if rel.name == "__init__.py":
        url = rel.with_name("index.html")
    else:
        url = rel.with_suffix(".html")
    return PurePosixPath(root.prefix) / url if root.prefix else url


def _display_path(config: Config, path: Path) -> PurePosixPath:
    try:
        return PurePosixPath(path.relative_to(config.root).as_posix())
    except ValueError:
        return PurePosixPath(path.as_posix())


def relative_url(target: PurePosixPath | str, page: PurePosixPath) -> str:
    """The link from `page` to `target`, both relative to the site root, percent-encoded (`a#b.html` → `a%23b.html`)."""
    return _relative(str(target), str(page.parent) or ".")


def relative_from(target: str, folder: str) -> str:
    """`relative_url` from any page of `folder` (`str` paths, "." for the root): for links made by the thousand."""
    return _relative(target, folder)


@lru_cache(maxsize=1 << 16)
def _relative(target: str, folder: str) -> str:
    # Every page links every other through the site's tree: pages of one folder share the answers.
    # `relpath` asks the operating system for the working directory on every call: paths of the
    # site (no empty, `.` or `..` part; `.` alone for the root) are walked here, as it would
    to = [] if target == "." else target.split("/")
    at = [] if folder == "." else folder.split("/")
    if not _ODD_PARTS.isdisjoint(to) or not _ODD_PARTS.isdisjoint(at):
        return quote(posixpath.relpath(target, folder))
    shared = 0
    for mine, theirs in zip(to, at):
        if mine != theirs:
            break
        shared += 1
    return quote("/".join([".."] * (len(at) - shared) + to[shared:]) or ".")


_ODD_PARTS = frozenset(["", ".", ".."])


@dataclass(frozen=True)
class FileMap:
    """
    Every file under the source folders, gathered once: what links are
    resolved against (rendering never looks at the disk), and part of every
    page's cache key.
    """

    # Disk path (absolute, not resolved) → where the file is published in the site
    files: dict[Path, PurePosixPath]
    # Files that are symbolic links leading out of their source folder: never read
    outside: frozenset[Path]

    @classmethod
    def gather(cls, config: Config) -> FileMap:
        files, outside = {}, set()
        for root in config.sources:
            real_root = root.dir.resolve()
            for path in walk(config, root):
                if path.is_symlink():
                    try:
                        target = path.resolve()
                    except (RuntimeError, OSError):
                        continue  # a loop of symbolic links: no file, so a link to it is broken
                    if not target.is_relative_to(real_root):
                        outside.add(path)
                        continue
                if not path.is_file():
                    continue  # a dangling symbolic link (or a pipe): a link to it is broken, never read
                files[path] = PurePosixPath(root.prefix, path.relative_to(root.dir).as_posix())
        return cls(files, frozenset(outside))

    def listing(self) -> str:
        """The published paths, one a line: whether a link's target exists depends on them."""
        return "\n".join(sorted(str(p) for p in self.files.values()))


@dataclass
class Files:
    """All pages of the site, by source file and by URL, and every file a link may reach."""

    config: Config
    sources: list[Source]
    map: FileMap

    def __post_init__(self) -> None:
        self._by_disk: dict[Path, Source] = {self.config.root / source.path: source for source in self.sources}
        self._all_folders = set(self.folders())
        # Pages the build writes: one per source, and an index for every folder
        self._page_urls = {s.url for s in self.sources} | {f / "index.html" for f in self._all_folders}
        # Folders that hold files, on disk
        self._disk_folders = {parent for path in self.map.files for parent in path.parents}

    def folders(self) -> list[PurePosixPath]:
        """Every folder that holds a page, with all of its parents."""
        folders = set()
        for folder in {s.url.parent for s in self.sources}:
            folders.update([folder, *folder.parents])
        return sorted(folders, key=str)

    def resolver(self, source: Source, language_folder: PurePosixPath = PurePosixPath("."),
                 assets: dict[str, str] | None = None):
        """
        A link resolver for the prose of `source` on the page written under
        `language_folder`. Pages link within their language's tree; files such
        as images exist once, in the root tree, and are added to `assets`
        (site path → disk path) for the page to carry.
        """
        disk_dir = (self.config.root / source.path).parent
        page = language_folder / source.url
        found = assets if assets is not None else {}

        def resolve(url: str, is_image: bool) -> LinkResult:
            return self._resolve(url, is_image, source, disk_dir, page, found, language_folder.name)

        return resolve

    def _root_containing(self, path: Path) -> SourceRoot | None:
        return next((r for r in self.config.sources if path.is_relative_to(r.dir)), None)

    def _resolve(self, url: str, is_image: bool, source: Source, disk_dir: Path, page: PurePosixPath,
                 assets: dict[str, str], lang: str = "") -> LinkResult:
        kind = "image" if is_image else "link"
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            if parts.scheme.lower() in ("javascript", "vbscript", "data") and not (is_image and parts.scheme == "data"):
                return LinkResult("#", f"unsafe {kind} '{url}'")
            return LinkResult(url)
        if not parts.path:
            # A fragment on the same page
            return LinkResult(url, anchor=(str(source.url), parts.fragment) if parts.fragment else None)
        if parts.path.startswith("/"):
            return LinkResult(url, f"broken {kind} '{url}': absolute paths point outside the site")
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        target = Path(os.path.normpath(disk_dir / unquote(parts.path)))
        root = self._root_containing(target)
        if root is None or target in self.map.outside:
            return LinkResult(url, f"broken {kind} '{url}': points outside the source folders")
        linked = self._by_disk.get(target) or self._by_disk.get(target / "__init__.py")
        if linked is None and target not in self.map.files:
            # `../feed_forward`: static hosts serve `feed_forward.html`, the page of `feed_forward.py`
            linked = self._by_disk.get(target.with_name(target.name + ".py"))
        if linked is not None:
            return LinkResult(relative_url(linked.url, source.url) + fragment,
                              anchor=(str(linked.url), parts.fragment) if parts.fragment else None)
        published = PurePosixPath(root.prefix, target.relative_to(root.dir).as_posix())
        if target in self._disk_folders and published / "index.html" in self._page_urls:
            published = published / "index.html"
        if published in self._page_urls:
            # `b.html#x`, as nn.labml.ai's sources write links: the fragment is checked as for `b.py#x`
            return LinkResult(relative_url(published, source.url) + fragment,
                              anchor=(str(published), parts.fragment) if parts.fragment else None)
        if target in self._disk_folders:
            return LinkResult(url, f"broken {kind} '{url}': a folder with no pages")
        # An image drawn in the page's language (`plot.ja.svg` beside `plot.svg`) replaces it
        localized = target.with_name(f"{target.stem}.{lang}{target.suffix}")
        if is_image and lang and target in self.map.files and localized in self.map.files:
            target, published = localized, published.with_name(localized.name)
        if target in self.map.files:
            assets[str(published)] = str(target)
            return LinkResult(relative_url(published, page) + fragment)
        return LinkResult(url, f"broken {kind} '{url}': no such file")
