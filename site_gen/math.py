"""
# Rendering math

The only module that knows KaTeX. `KatexRenderer` turns LaTeX into HTML with
MathML beside it (screen readers read the MathML), through `pykatex`, which
runs KaTeX inside an embedded JavaScript engine: no Node. The engine lives in a
child process ([katex_process](katex_process.py)), because pykatex's handling
of some errors corrupts memory.

A formula KaTeX rejects never stops the build. The renderer returns the
source in an error style together with KaTeX's message, and the caller reports
`path:line: LaTeX error: …`. Expansion is bounded (`maxExpand`, `maxSize`), so
a macro that calls itself fails fast instead of running forever.

Every symbol of a formula carries a `data-sym` identifier (see
[symbols](symbols.py)) so that the page can highlight it everywhere. The
visible HTML comes from the marked formula; the MathML, whose annotation
readers copy and screen readers read, from the formula exactly as written.

Identical formulas are rendered once: results are remembered per renderer.
Most formulas take one KaTeX call: the marked formula rendered with its MathML
(`htmlAndMathml`), whose annotation is then set back to the formula as written;
where a mark could change the MathML, or that call fails, the MathML and the
drawn formula are rendered apart, and any error reads as it always did.

Equations are numbered only where the author asks: `\\tag{…}`, or `\\label{…}`
referred to by `\\eqref{…}`/`\\ref{…}` (numbered in page order by
`number_labels`), or every numbered environment when the renderer is made
with `number_all`. Otherwise `align` renders as `align*`: a number nothing
refers to is noise, and on a wide formula it was drawn over it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape, unescape
from typing import Iterable

from . import katex_process
from .symbols import is_markable, mark_symbols, mark_whole_symbols

from .assets import KATEX_VERSION  # noqa: F401  (re-exported: the version this module renders with)

_OPTIONS = dict(
    throwOnError=True,
    strict="ignore",
    maxExpand=1000,
    maxSize=20,
)
_KATEX = '<span class="katex">'
_DISPLAY = '<span class="katex-display">'
_END = "</span>"
_ANNOTATION = '<annotation encoding="application/x-tex">'


# Environments KaTeX numbers, and their unnumbered twins (`align*`)
_NUMBERED = re.compile(r"\\(begin|end)\{(align|alignat|equation|gather)\}")
_LABEL = re.compile(r"\\label\{([^{}]*)\}")
_REFERENCE = re.compile(r"\\(eqref|ref)\{([^{}]*)\}")


def unnumbered(tex: str) -> str:
    return _NUMBERED.sub(r"\\\1{\2*}", tex)


def equation_labels(formulas: Iterable[str]) -> dict[str, int]:
    """The number of each `\\label` of a page, in the order its formulas come."""
    labels: dict[str, int] = {}
    for tex in formulas:
        for label in _LABEL.findall(tex):
            labels.setdefault(label, len(labels) + 1)
    return labels


def unknown_labels(tex: str, labels: dict[str, int]) -> list[str]:
    """The labels `\\eqref{…}`/`\\ref{…}` refer to that no `\\label` of the page defines."""
    return [label for _, label in _REFERENCE.findall(tex) if label not in labels]


def number_labels(tex: str, labels: dict[str, int]) -> str:
    """`\\label{k}` becomes its `\\tag`, `\\eqref{k}` its number; an unknown label shows `(?)` (see `unknown_labels`)."""
    tex = _LABEL.sub(lambda m: f"\\tag{{{labels[m.group(1)]}}}" if m.group(1) in labels else m.group(0), tex)

    def reference(match: re.Match[str]) -> str:
        number = labels.get(match.group(2), "?")
        return f"\\text{{({number})}}" if match.group(1) == "eqref" else f"\\text{{{number}}}"

    return _REFERENCE.sub(reference, tex)


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

    def __init__(self, known: dict[tuple[str, bool], tuple[str, str | None]] | None = None,
                 number_all: bool = False) -> None:
        self.number_all = number_all
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
        if not self.number_all:
            tex = unnumbered(tex)
        shared = _in_one_call(tex, display)
        return Rendered(shared) if shared is not None else self._in_two_calls(tex, display)

    def _in_two_calls(self, tex: str, display: bool) -> Rendered:
        """The MathML of the formula as written, beside the drawn formula with its symbols marked."""
        try:
            mathml = katex_process.render(tex, displayMode=display, output="mathml", trust=False, **_OPTIONS)
            html = self._marked_html(tex, display)
            if html is None:
                html = katex_process.render(tex, displayMode=display, output="html", trust=False, **_OPTIONS)
        except katex_process.KatexError as error:
            message = str(error).removeprefix("KaTeX parse error: ")
            return Rendered(error_html(tex, display, message), message)
        return Rendered(_combine(mathml, html, display))

    def _marked_html(self, tex: str, display: bool) -> str | None:
        """The visible HTML with symbols marked, or None if this formula cannot be marked."""
        if not is_markable(tex):
            return None
        try:
            # `trust` admits exactly the `\htmlData` commands that `mark_symbols` added
            return katex_process.render(mark_symbols(tex), displayMode=display, output="html", trust=True,
                                        **_OPTIONS)
        except katex_process.KatexError:
            return None


def _in_one_call(tex: str, display: bool) -> str | None:
    """
    The HTML and MathML of a formula from one render of its marked form, or
    None where that could differ from `_combine` of the two renders.
    """
    marked = mark_whole_symbols(tex) if is_markable(tex) else None
    if marked is None:
        return None
    try:
        html = katex_process.render(marked, displayMode=display, output="htmlAndMathml", trust=True, **_OPTIONS)
    except katex_process.KatexError:  # the two-call path reports it, with the message of the formula as written
        return None
    # KaTeX escapes the annotation as `html.escape` does: & < > " '
    written, annotated = f"{_ANNOTATION}{escape(tex)}</", f"{_ANNOTATION}{escape(marked)}</"
    if html.count(annotated) != 1:
        return None
    return html.replace(annotated, written)


def _combine(mathml: str, html: str, display: bool) -> str:
    """KaTeX's `htmlAndMathml` layout, from a MathML render and an HTML render."""
    math = mathml.removeprefix(_KATEX).removesuffix(_END)
    if display:
        html = html.removeprefix(_DISPLAY).removesuffix(_END)
    visible = html.removeprefix(_KATEX).removesuffix(_END)
    combined = f'{_KATEX}<span class="katex-mathml">{math}{_END}{visible}{_END}'
    return f"{_DISPLAY}{combined}{_END}" if display else combined


def readable_part(html: str) -> str:
    """
    The start of a KaTeX render that holds its MathML, and so its LaTeX
    annotation: the visible copy after it repeats the formula as drawn boxes, which
    search text skips, so reading it is wasted work. Any other HTML comes back whole.
    """
    inside = html.removeprefix(_DISPLAY)
    if not (inside.startswith(_KATEX) and html.endswith(_END) and html.count("</math>") == 1):
        return html
    return html[: html.index("</math>") + len("</math>")]


def latex_of(html: str) -> str | None:
    """
    The LaTeX a KaTeX render was made from, as its MathML annotation holds it
    (numbering applied); `None` for any other HTML.
    """
    part = readable_part(html)
    start, end = part.find(_ANNOTATION), part.rfind("</annotation>")
    if part is html or start < 0 or end < start:
        return None
    return unescape(part[start + len(_ANNOTATION) : end])


def error_html(tex: str, display: bool, message: str) -> str:
    """The LaTeX source shown as typed, marked as an error."""
    cls = "math-error math-display" if display else "math-error"
    return f'<code class="{cls}" title="{escape(message)}">{escape(tex)}</code>'
