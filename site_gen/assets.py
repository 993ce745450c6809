"""
# Static assets

The files every page needs besides its HTML: our stylesheet and script (from
`templates/static/`), the Pygments colours, and the math font. Formulas are
MathML, drawn by the browser; it lays them out well only with an OpenType MATH
font, so the site ships Latin Modern Math (Debian's `fonts-lmodern`), cut down
to the characters formulas use (the MATH table keeps what they need to
stretch delimiters, enlarge operators and draw radicals) and stored as woff2.
Its script positions are set to TeX's text-style ones (`TEX_SCRIPTS`), which
is how KaTeX drew them.
Without the font installed, formulas use the reader's own math font (the CSS
`math` family), and the build says so.

In: the templates folder. Out: `Assets`: the files to copy (site path →
bytes), and a note when the math font is missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .cache import Cache, digest
from .config import user_cache
from .math_files import MATH_FONT_CANDIDATES  # shared with `stamp`

# The KaTeX that pykatex 0.1.1 embeds (kept here so that no build imports KaTeX just to know it)
KATEX_VERSION = "0.16.22"

STATIC = PurePosixPath("_static")
SEARCH = PurePosixPath("_search")
MATH_FONT = STATIC / "math" / "latinmodern-math.woff2"


def _span(first: int, last: int) -> range:
    return range(first, last + 1)


# What formulas draw: ASCII, Latin-1, accents, Greek, punctuation, letter-like symbols, arrows,
# operators, brackets, and the math alphabets KaTeX's MathML and the browser's automatic italic
# use (italic, bold, bold italic, script, fraktur, double-struck; Latin and Greek; bold and double-struck
# digits)
MATH_CHARACTERS = [
    code for first, last in (
        (0x20, 0x7E), (0xA0, 0xFF), (0x2C6, 0x2DC), (0x300, 0x30F), (0x391, 0x3C9), (0x3D1, 0x3F5),
        (0x2000, 0x206F), (0x2100, 0x214F), (0x2190, 0x21FF), (0x2200, 0x22FF), (0x2308, 0x230B),
        (0x23B4, 0x23B5), (0x23DC, 0x23E1), (0x27E6, 0x27EF), (0x2A00, 0x2A0C),
        (0x1D400, 0x1D4CF), (0x1D504, 0x1D56B), (0x1D6A8, 0x1D755), (0x1D7CE, 0x1D7E1),
    ) for code in _span(first, last)
]


# Latin Modern Math's script constants follow TeX's display style, and browsers also lower a subscript
# by the depth of its base (β, g): `m_t` and `\\beta_1` sat a quarter em low beside KaTeX's drawing.
# TeX's text style (cmsy10's sub1): a subscript 0.15 em down, no drop for a letter's depth; a
# superscript stays clear of a tall letter without being pushed above TeX's 0.363 em.
TEX_SCRIPTS = {"SubscriptShiftDown": 150, "SubscriptBaselineDropMin": 0, "SuperscriptBaselineDropMax": 360}


def search_index(lang: str) -> PurePosixPath:
    """Where the search index of one language's pages is written."""
    return SEARCH / f"{lang}.js"


@dataclass
class Assets:
    files: dict[PurePosixPath, bytes]
    note: str | None = None  # said once per build when the math font is missing


def collect(templates: Path, cache: Cache | None = None) -> Assets:
    files: dict[PurePosixPath, bytes] = {}
    static = templates / "static"
    if static.is_dir():
        for path in sorted(static.rglob("*")):
            if path.is_file():
                files[STATIC / path.relative_to(static).as_posix()] = path.read_bytes()
    # One stylesheet for the page: ours, then the code colours (one request fewer before first paint)
    ours = files.get(STATIC / "site.css", b"")
    css = ours + b"\n" + _pygments_css(cache).encode()
    source = next((font for font in MATH_FONT_CANDIDATES if font.is_file()), None)
    font, note = _math_font(source, cache) if source else (None, _MISSING)
    if font is not None:
        files[MATH_FONT] = font
        css += _FONT_FACE.encode()
    files[STATIC / "site.css"] = css
    return Assets(files, note)


_MISSING = "math font not installed (Debian: fonts-lmodern); formulas use the reader's own math font"


# Only pages that find the font in the browser's cache ask for it (site.js): `fallback` waits the
# moment that takes rather than drawing the formulas twice; `math` is the family they ask for first
_FONT_FACE = f"""
@font-face {{
  font-family: "Latin Modern Math";
  src: url("{MATH_FONT.relative_to(STATIC)}") format("woff2");
  font-display: fallback;
}}
"""


def _math_font(source: Path, cache: Cache | None) -> tuple[bytes | None, str | None]:
    """
    The math font, subset to `MATH_CHARACTERS`, as woff2; or no font and a note
    saying why it could not be used. Subsetting takes seconds and depends only on
    the installed font, fontTools and this module, never on the site: its result
    is kept in the user's cache folder, shared by every build and by `--no-cache`.
    Its name there is a digest of all three; the site's cache remembers it by the
    font's size and time (its salt holds the fontTools version and our code), so an
    edit build neither reads the 700 KB font nor imports `importlib.metadata`.
    """
    read: list[bytes] = []

    def kept_name() -> str:
        read.append(source.read_bytes())
        return digest(read[0], _fonttools_version(), Path(__file__).read_bytes())[:32]

    try:
        stat = source.stat()
        inputs = f"{source}\0{stat.st_size}\0{stat.st_mtime_ns}"
        name = cache.remember("math font", inputs, kept_name, decode=_name_shape) if cache else kept_name()
        kept = user_cache("fonts") / f"{name}.woff2"
        if kept.is_file():
            return kept.read_bytes(), None
        font = subset_math_font(read[0] if read else source.read_bytes())
    except Exception as error:  # noqa: BLE001 - fontTools raises many kinds for a damaged font
        return None, f"{source}: not a usable math font ({type(error).__name__}: {error}); {_MISSING.split('; ')[1]}"
    _keep(kept, font)
    return font, None


def _name_shape(value: object) -> str:
    if not (isinstance(value, str) and len(value) == 32 and value.isalnum()):
        raise ValueError("not the name of a kept font")
    return value


def _keep(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all (a build beside this one may read it); a read-only cache folder only costs time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError:
        pass


def subset_math_font(original: bytes) -> bytes:
    """An OpenType MATH font cut down to `MATH_CHARACTERS` and what its layout tables reach from them, as woff2."""
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(original), recalcTimestamp=False)  # the same bytes from every build
    options = subset.Options()
    options.layout_features = ["*"]  # script-size glyphs (`ssty`), flattened accents, dotless letters
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # names, version, licence (the GUST font licence asks for it)
    options.hinting = False
    options.notdef_outline = True
    options.flavor = "woff2"
    options.drop_tables += ["FFTM"]  # FontForge's timestamps: nothing a browser reads
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=MATH_CHARACTERS)
    subsetter.subset(font)  # keeps the MATH table's variants and assemblies of the glyphs kept
    constants = font["MATH"].table.MathConstants
    for name, value in TEX_SCRIPTS.items():
        getattr(constants, name).Value = round(value * font["head"].unitsPerEm / 1000)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


def _fonttools_version() -> str:
    from importlib import metadata

    return metadata.version("fonttools")


def _pygments_css(cache: Cache | None) -> str:
    key = cache.key("pygments-css") if cache else ""
    css = cache.get("asset", key) if cache else None
    if css is None:
        from .highlight import stylesheets

        css = stylesheets()
        if cache:
            cache.put("asset", key, css)
    return css
