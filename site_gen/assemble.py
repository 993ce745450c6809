"""
# Assembling the site

The sixth stage. In: every task with its result (the pages themselves are
written already), the static assets, the cache, a way to make the renderer
(for the sitemap, when the cache lacks it) and where to put each file. Out:
every other file of the site (site path → bytes, handed on one by one), and
the problems only the whole site shows: links to a `#fragment` no page has.

Besides the pages: one search index per language, the files the pages link
to (images, data), the sitemap, `robots.txt`, our stylesheet, script and
math font, and the marker that says the folder is ours to replace.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Callable
from urllib.parse import quote

from . import assets as site_assets
from .assets import Assets
from .cache import Cache
from .config import Config
from .model import Problem
from .produce import Made, Produced, Put, compact_json, unpacked
from .write import MARKER

if TYPE_CHECKING:
    from .render import Site


def assemble(config: Config, produced: Produced, assets: Assets, cache: Cache,
             site: Callable[[], Site], put: Put) -> tuple[list[Problem], list[str]]:
    """Every file of the site besides the pages, each handed to `put`; the problems only the whole site shows, and notes."""
    problems: list[Problem] = []
    notes: list[str] = []
    copied: dict[str, str] = {}  # site path of each copied file → the file on disk
    # Where pages are, and their folders: a copied file of another source folder must not replace them
    pages = {str(path) for made in produced.languages for output in made for path in
             (output.task.path, *output.task.path.parents)}
    for made in produced.languages:
        for output in made:
            problems.extend(output.problems)
            for site_path, disk in output.assets.items():
                if site_path in pages:
                    problems.append(Problem(disk, 1, f"not copied: '{site_path}' is a page or a folder of pages "
                                                     "(two source folders share a prefix)"))
                elif site_path not in copied:
                    copied[site_path] = disk
                    put(PurePosixPath(site_path), Path(disk).read_bytes())
                elif copied[site_path] != disk:
                    # Two source folders with one prefix, each with this file: one copy only
                    problems.append(Problem(disk, 1, f"not copied: '{site_path}' is already "
                                                     f"{copied[site_path]} (two source folders share a prefix)"))
        if made:
            put(site_assets.search_index(made[0].task.lang), _search_script(made))
    if produced.languages:
        problems.extend(_broken_fragments(produced.languages[0]))
    put(PurePosixPath(MARKER), b"This folder is written by site-gen and replaced on every build.\n")
    if config.site_url:
        # A sitemap lists absolute URLs: without the site's, there is none
        put(PurePosixPath("sitemap.xml"), _sitemap(produced, cache, site).encode("utf-8"))
        put(PurePosixPath("robots.txt"), f"User-agent: *\nAllow: /\nSitemap: {config.site_url}sitemap.xml\n".encode())
    else:
        notes.append("no site URL (`site_url` in [tool.site_gen]): no sitemap, canonical links or og:url")
    for site_path, data in assets.files.items():
        put(site_path, data)
    return problems, notes


def _broken_fragments(made: list[Made]) -> list[Problem]:
    """Links to `page#fragment` where the page has no such anchor (checked once all pages exist)."""
    linked = {page for output in made for _, _, _, page, _ in output.fragment_links}
    # Sets only of the pages linked to: every id of every page at once (a line's `L12` too) is a lot
    ids = {str(output.task.url): {i.decode("utf-8") for i in unpacked(output.ids)} for output in made
           if output.task.kind == "page" and str(output.task.url) in linked}
    problems = []
    for output in made:
        for path, line, written, page, fragment in output.fragment_links:
            if page in ids and fragment not in ids[page]:
                problems.append(Problem(path, line, f"broken link '{written}': no anchor '#{fragment}' on {page}"))
    return problems


def _sitemap(produced: Produced, cache: Cache, site: Callable[[], Site]) -> str:
    """Every page in every language; it depends on the settings and the structure of each language."""
    firsts = [made[0].task for made in produced.languages if made]
    key = cache.key("sitemap", *(part for task in firsts for part in (task.settings, task.structure)))
    cached = cache.get("sitemap", key)
    if cached is None:
        cached = site().sitemap()
        cache.put("sitemap", key, cached)
    return cached


def _search_script(made: list[Made]) -> bytearray:
    """
    One language's search index: pages by URL within the language's tree,
    sections pointing at their page. A script, not JSON: pages opened from
    `file://` can load a script but not fetch a file. Made of each section's
    JSON as produced, with its page's number put first (the bytes `json.dumps`
    gives for the whole), in one growing buffer: the index is held once, and
    never as Python objects.
    """
    pages = [output for output in made if output.task.kind == "page"]
    index = bytearray(b'self.siteSearchIndex = {"pages":[')
    index += b",".join(compact_json({"u": quote(str(output.task.url)), "t": output.title}) for output in pages)
    index += b'],"sections":['
    separator = b""
    for number, output in enumerate(pages):
        for section in unpacked(output.search):
            index += b'%s{"p":%d,' % (separator, number)
            index += memoryview(section)[1:]
            separator = b","
    index += b"]};\n"
    return index
