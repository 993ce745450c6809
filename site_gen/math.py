"""
# Rendering math

The only module that knows KaTeX. `KatexRenderer` turns LaTeX into HTML with
MathML beside it (screen readers read the MathML), through `pykatex`, which
runs KaTeX inside an embedded JavaScript engine: no Node, no subprocess per
formula.

A formula KaTeX rejects never stops the build. The renderer returns the
source in an error style together with KaTeX's message, and the caller reports
`path:line: LaTeX error: …`. Expansion is bounded (`maxExpand`, `maxSize`), so
a macro that calls itself fails fast instead of running forever.

Identical formulas are rendered once: results are remembered per renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import pykatex

from .assets import KATEX_VERSION  # noqa: F401  (re-exported: the version this module renders with)

_OPTIONS = dict(
    output="htmlAndMathml",
    throwOnError=True,
    strict="ignore",
    trust=False,
    maxExpand=1000,
    maxSize=20,
)


@dataclass(frozen=True)
class Rendered:
    html: str
    error: str | None = None


class KatexRenderer:
    """
    Callable `(tex, display) -> Rendered`, remembering what it rendered.
    `known` holds results of earlier builds (from the cache); `fresh` collects
    what this renderer had to send to KaTeX itself.
    """

    def __init__(self, known: dict[tuple[str, bool], tuple[str, str | None]] | None = None) -> None:
        self._done: dict[tuple[str, bool], Rendered] = {k: Rendered(*v) for k, v in (known or {}).items()}
        self.fresh: dict[tuple[str, bool], Rendered] = {}

    @property
    def rendered(self) -> int:
        """How many formulas were sent to KaTeX."""
        return len(self.fresh)

    def __call__(self, tex: str, display: bool) -> Rendered:
        key = (tex, display)
        if key not in self._done:
            self._done[key] = self.fresh[key] = self._render(tex, display)
        return self._done[key]

    def learn(self, results: dict[tuple[str, bool], Rendered]) -> None:
        """Take in formulas rendered elsewhere (by a worker process)."""
        for key, rendered in results.items():
            self._done.setdefault(key, rendered)
            self.fresh.setdefault(key, rendered)

    def _render(self, tex: str, display: bool) -> Rendered:
        try:
            return Rendered(pykatex.renderToString(tex, displayMode=display, **_OPTIONS))
        except Exception as error:  # pykatex raises ParseError, and plain errors from its engine
            message = str(error).removeprefix("KaTeX parse error: ")
            return Rendered(error_html(tex, display, message), message)


def error_html(tex: str, display: bool, message: str) -> str:
    """The LaTeX source shown as typed, marked as an error."""
    cls = "math-error math-display" if display else "math-error"
    return f'<code class="{cls}" title="{escape(message)}">{escape(tex)}</code>'
