"""
Where an installed KaTeX (Debian's `libjs-katex` and `fonts-katex`) keeps its
stylesheet and fonts. In: nothing. Out: the places to look, in order; `assets`
copies from the first that holds them and `stamp` watches them all, so that
KaTeX appearing or disappearing is a change (kept apart so that a build with
nothing to do need not import `assets`).
"""

from pathlib import Path

KATEX_CSS_CANDIDATES = [Path("/usr/share/javascript/katex/katex.min.css")]
KATEX_FONT_CANDIDATES = [Path("/usr/share/javascript/katex/fonts"), Path("/usr/share/fonts/truetype/katex")]
