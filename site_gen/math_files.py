"""
Where an installed math font is: Latin Modern Math, an OpenType MATH font
(Debian's `fonts-lmodern`), which browsers need to lay out MathML well. In:
nothing. Out: the places to look, in order; `assets` subsets the first that
exists and `stamp` watches them all, so that the font appearing or
disappearing is a change (kept apart so that a build with nothing to do need
not import `assets`).
"""

from pathlib import Path

MATH_FONT_CANDIDATES = [
    Path("/usr/share/texmf/fonts/opentype/public/lm-math/latinmodern-math.otf"),
    Path("/usr/share/fonts/opentype/lm-math/latinmodern-math.otf"),
]
