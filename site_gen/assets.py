"""
# Static assets

The files every page needs besides its HTML: our stylesheet and script (from
`templates/static/`), the Pygments colours, and KaTeX's stylesheet and fonts so
that pages work offline. KaTeX's files come from an installed package (Debian's
`libjs-katex` and `fonts-katex`); without one, pages link KaTeX's stylesheet
from a CDN at the version the renderer uses, and the build says so.

In: the templates folder. Out: `Assets`: the files to copy (site path →
bytes), where KaTeX's stylesheet is, and a note when it comes from the CDN.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .cache import Cache
from .katex_files import KATEX_CSS_CANDIDATES, KATEX_FONT_CANDIDATES  # shared with `stamp`

# The KaTeX that pykatex 0.1.1 embeds (kept here so that no build imports KaTeX just to know it)
KATEX_VERSION = "0.16.22"

CDN_STYLESHEET = f"https://cdn.jsdelivr.net/npm/katex@{KATEX_VERSION}/dist/katex.min.css"
STATIC = PurePosixPath("_static")
SEARCH = PurePosixPath("_search")


def search_index(lang: str) -> PurePosixPath:
    """Where the search index of one language's pages is written."""
    return SEARCH / f"{lang}.js"


@dataclass
class Assets:
    files: dict[PurePosixPath, bytes]
    katex_stylesheet: str  # site path of KaTeX's CSS, or the CDN URL
    note: str | None = None  # said once per build when KaTeX had to come from the CDN


def collect(templates: Path, cache: Cache | None = None) -> Assets:
    files: dict[PurePosixPath, bytes] = {}
    static = templates / "static"
    if static.is_dir():
        for path in sorted(static.rglob("*")):
            if path.is_file():
                files[STATIC / path.relative_to(static).as_posix()] = path.read_bytes()
    # One stylesheet for the page: ours, then the code colours (one request fewer before first paint)
    ours = files.get(STATIC / "site.css", b"")
    files[STATIC / "site.css"] = ours + b"\n" + _pygments_css(cache).encode()
    css = next((c for c in KATEX_CSS_CANDIDATES if c.is_file()), None)
    fonts = next((f for f in KATEX_FONT_CANDIDATES if f.is_dir() and any(f.glob("*.woff2"))), None)
    if css is None or fonts is None:
        note = f"KaTeX stylesheet and fonts not installed (Debian: libjs-katex fonts-katex); linking {CDN_STYLESHEET}"
        return Assets(files, CDN_STYLESHEET, note)
    files[STATIC / "katex" / "katex.min.css"] = css.read_bytes()
    # Browsers take the first format they support, and every current one reads woff2
    for font in sorted(fonts.glob("*.woff2")):
        files[STATIC / "katex" / "fonts" / font.name] = font.read_bytes()
    return Assets(files, str(STATIC / "katex" / "katex.min.css"))


def _pygments_css(cache: Cache | None) -> str:
    key = cache.key("pygments-css") if cache else ""
    css = cache.get("asset", key) if cache else None
    if css is None:
        from .highlight import stylesheets

        css = stylesheets()
        if cache:
            cache.put("asset", key, css)
    return css
