"""
# Rendering math

The only module that knows KaTeX. `KatexRenderer` turns LaTeX into MathML,
which the browser draws itself (MathML Core: Chromium 109+, Firefox, Safari)
with the math font the site ships (see [assets](assets.py)); screen readers
read the same MathML. KaTeX runs through `pykatex`, inside an embedded
JavaScript engine: no Node. The engine lives in a child process
([katex_process](katex_process.py)), because pykatex's handling of some errors
corrupts memory.

A formula KaTeX rejects never stops the build. The renderer returns the
source in an error style together with KaTeX's message, and the caller reports
`path:line: LaTeX error: …`. Expansion is bounded (`maxExpand`, `maxSize`), so
a macro that calls itself fails fast instead of running forever.

Every symbol of a formula is an `<mstyle data-sym="…">` (see
[symbols](symbols.py)) so that the page can highlight it everywhere. Its
`<annotation encoding="application/x-tex">`, which readers copy and search
reads, holds the formula exactly as written.

Identical formulas are rendered once: results are remembered per renderer.
Most formulas take one KaTeX call: the marked formula, whose annotation is
then set back to the formula as written. Where a mark could change more than
the mark (`mark_whole_symbols` declines), the formula as written is rendered
too, and the marked render is kept only if it is that render plus marks. A
formula KaTeX rejects is reported with the message for the formula as written.

Equations are numbered only where the author asks: `\\tag{…}`, or `\\label{…}`
referred to by `\\eqref{…}`/`\\ref{…}` (numbered in page order by
`number_labels`), or every numbered environment when the renderer is made
with `number_all`. Otherwise `align` renders as `align*`: a number nothing
refers to is noise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape, unescape
from typing import Iterable

from .readable_math import readable

# `katex_process`, `mathml` and `symbols` are imported by the first formula no earlier build
# rendered: an edit build seldom has one, and finds every other in the cache

from .assets import KATEX_VERSION  # noqa: F401  (re-exported: the version this module renders with)

_OPTIONS = dict(
    output="mathml",
    trust=False,
    throwOnError=True,
    strict="ignore",
    maxExpand=1000,
    maxSize=20,
)
_KATEX = '<span class="katex">'
_END = "</span>"
_NAMESPACE = ' xmlns="http://www.w3.org/1998/Math/MathML"'
_INLINE = '<span class="math">'
_BLOCK = '<span class="math math-block">'
_ANNOTATION = '<annotation encoding="application/x-tex">'
_COLOUR_MARK = re.compile(r'<mstyle mathcolor="#([0-9a-f]{6})">')
_MSTYLE = re.compile(r"<(/?)mstyle\b([^>]*)>")


# Environments KaTeX numbers, and their unnumbered twins (`align*`)
_NUMBERED = re.compile(r"\\(begin|end)\{(align|alignat|equation|gather)\}")
_LABEL = re.compile(r"\\label\{([^{}]*)\}")
_REFERENCE = re.compile(r"\\(eqref|ref)\{([^{}]*)\}")


def unnumbered(tex: str) -> str:
    return _NUMBERED.sub(r"\\\1{\2*}", tex)


_TAG = re.compile(r"\\tag\*?\{([^{}]*)\}")
_ROW_BREAK = re.compile(r"(\\\\)")  # `\\`: a row of a numbered environment ends, and so does its tag's reach


def equation_labels(formulas: Iterable[str]) -> dict[str, str]:
    """
    What each `\\label` of a page shows, in the order its formulas come: the
    `\\tag` of its row if the author gave one (as amsmath does), else the next number.
    """
    labels: dict[str, str] = {}
    numbered = 0
    for tex in formulas:
        for row in _ROW_BREAK.split(tex):
            tag = _TAG.search(row)
            for label in _LABEL.findall(row):
                if label not in labels:
                    if tag is None:
                        numbered += 1
                    labels[label] = tag.group(1) if tag else str(numbered)
    return labels


def unknown_labels(tex: str, labels: dict[str, str]) -> list[str]:
    """The labels `\\eqref{…}`/`\\ref{…}` refer to that no `\\label` of the page defines."""
    return [label for _, label in _REFERENCE.findall(tex) if label not in labels]


def number_labels(tex: str, labels: dict[str, str]) -> str:
    """
    `\\label{k}` becomes its `\\tag` (or goes, in a row the author tagged), `\\eqref{k}`
    its number; an unknown label shows `(?)` (see `unknown_labels`).
    """

    def row_labels(row: str) -> str:
        tagged = _TAG.search(row) is not None
        return _LABEL.sub(lambda m: m.group(0) if m.group(1) not in labels else
                          "" if tagged else f"\\tag{{{labels[m.group(1)]}}}", row)

    tex = "".join(row_labels(row) for row in _ROW_BREAK.split(tex))

    def reference(match: re.Match[str]) -> str:
        number = labels.get(match.group(2), "?")
        return f"\\text{{({number})}}" if match.group(1) == "eqref" else f"\\text{{{number}}}"

    return _REFERENCE.sub(reference, tex)


@dataclass(frozen=True)
class Rendered:
    html: str
    error: str | None = None
    text: str = ""  # its words for the search index (`readable`): stored with it, so an edit build needs no pylatexenc


class KatexRenderer:
    """
    Callable `(tex, display) -> Rendered`, remembering what it rendered.
    `known` holds results of earlier builds (from the cache); `fresh` collects
    what this renderer had to send to KaTeX itself.
    """

    def __init__(self, known: dict[tuple[str, bool], tuple[str, str | None, str]] | None = None,
                 number_all: bool = False) -> None:
        self.number_all = number_all
        self._done: dict[tuple[str, bool], Rendered] = {k: Rendered(*v) for k, v in (known or {}).items()}
        self.fresh: dict[tuple[str, bool], Rendered] = {}
        self.asked: set[tuple[str, bool]] = set()  # every formula asked for, until cleared (by each output)

    @property
    def rendered(self) -> int:
        """How many formulas were sent to KaTeX."""
        return len(self.fresh)

    def __call__(self, tex: str, display: bool) -> Rendered:
        key = (tex, display)
        self.asked.add(key)
        if key not in self._done:
            rendered = self._render(tex, display)
            annotation = latex_of(rendered.html)  # what the search index reads it from (`align*` for `align`)
            text = readable(annotation) if annotation is not None else ""
            self._done[key] = self.fresh[key] = Rendered(rendered.html, rendered.error, text)
        return self._done[key]

    def learn(self, results: dict[tuple[str, bool], Rendered]) -> None:
        """Take in formulas rendered elsewhere (by a worker process)."""
        for key, rendered in results.items():
            self._done.setdefault(key, rendered)
            self.fresh.setdefault(key, rendered)

    def _render(self, tex: str, display: bool) -> Rendered:
        from . import katex_process
        from .symbols import mark_whole_symbols

        if not self.number_all:
            tex = unnumbered(tex)
        marked = _marked(tex, display, self.number_all)
        if marked is not None and mark_whole_symbols(tex) is not None:
            return Rendered(marked)
        try:
            plain = _render(tex, display, self.number_all)
        except katex_process.KatexError as error:
            message = str(error).removeprefix("KaTeX parse error: ")
            return Rendered(error_html(tex, display, message), message)
        return Rendered(marked if marked is not None and without_marks(marked) == plain else plain)


def _render(tex: str, display: bool, counted: bool = False) -> str:
    """KaTeX's MathML of a formula, in our wrapper; raises `KatexError`."""
    from . import katex_process
    from .mathml import for_browsers

    mathml = katex_process.render(tex, displayMode=display, **_OPTIONS).removeprefix(_KATEX).removesuffix(_END)
    mathml = _row_numbers(mathml, tex, counted)
    mathml = for_browsers(mathml.replace(_NAMESPACE, "", 1))  # HTML knows `<math>`: the namespace is only bytes
    return f"{_BLOCK if display else _INLINE}{mathml}{_END}"


def _marked(tex: str, display: bool, counted: bool) -> str | None:
    """
    The MathML of a formula with its symbols marked, its annotation the formula
    as written; None if it has no marks or KaTeX rejects it marked.
    """
    from . import katex_process
    from .symbols import is_markable, mark_symbols

    marked = mark_symbols(tex) if is_markable(tex) else tex
    if marked == tex:
        return None
    try:
        mathml = _render(marked, display, counted)
    except katex_process.KatexError:  # the formula as written is rendered, and reports its own message
        return None
    # KaTeX escapes the annotation as `html.escape` does: & < > " '
    written, annotated = f"{_ANNOTATION}{escape(tex)}</", f"{_ANNOTATION}{escape(marked)}</"
    if mathml.count(annotated) != 1:
        return None
    return _COLOUR_MARK.sub(r'<mstyle data-sym="\1">', mathml.replace(annotated, written))


_ROW_NUMBER = '<mtd class ="mml-eqn-num"></mtd>'
_ROW_CELL = re.compile(r"<mtable|</mtable>|<mtr>|" + re.escape(_ROW_NUMBER))
_ROW_END = re.compile(r"\\begin\{|\\end\{|\\\\|\\tag(\*?)\{([^{}]*)\}")


def _row_numbers(mathml: str, tex: str, counted: bool) -> str:
    """
    KaTeX's MathML leaves the number cell of each row of `align` (and its
    kin) empty, for a stylesheet counter to fill, and drops the row's `\\tag`.
    A tagged row's cell gets its tag; any other row's cell is counted only
    when every equation is numbered (`counted`), and otherwise left plain.
    """
    if _ROW_NUMBER not in mathml:
        return mathml
    tags: dict[int, str] = {}
    row = depth = 0
    for found in _ROW_END.finditer(tex):  # rows of the outermost environment; nested ones keep theirs
        token = found.group(0)
        if token.startswith("\\begin"):
            depth += 1
        elif token.startswith("\\end"):
            depth -= 1
        elif token == "\\\\" and depth == 1:
            row += 1
        elif token.startswith("\\tag"):
            tags[row] = found.group(2) if found.group(1) else f"({found.group(2)})"
    out: list[str] = []
    row = depth = at = 0
    for found in _ROW_CELL.finditer(mathml):  # the rows of the outermost table, as the LaTeX's
        token = found.group(0)
        if token == "<mtable":
            depth += 1
        elif token == "</mtable>":
            depth -= 1
        elif token == "<mtr>" and depth == 1:
            row += 1
        elif token == _ROW_NUMBER:
            out.append(mathml[at : found.start()])
            at = found.end()
            if row - 1 in tags:
                out.append(f'<mtd class="eqn-tag"><mtext>{escape(tags[row - 1], quote=False)}</mtext></mtd>')
            else:
                out.append(_ROW_NUMBER if counted else "<mtd></mtd>")
    out.append(mathml[at:])
    return "".join(out)


def without_marks(mathml: str) -> str:
    """The MathML with every symbol mark (`<mstyle data-sym>` and its end) taken out."""
    out: list[str] = []
    ours: list[bool] = []  # for each open mstyle: is it a mark?
    at = 0
    for tag in _MSTYLE.finditer(mathml):
        out.append(mathml[at : tag.start()])
        at = tag.end()
        mark = ours.pop() if tag.group(1) else tag.group(2).startswith(' data-sym="')
        if not tag.group(1):
            ours.append(mark)
        if not mark:
            out.append(tag.group(0))
    out.append(mathml[at:])
    return "".join(out)


def formula_texts(known: dict[tuple[str, bool], tuple[str, str | None, str]]) -> dict[str, str]:
    """The words of formulas rendered before (`known`: HTML, error, text), by the LaTeX their annotation holds."""
    texts = {}
    for html, _, text in known.values():
        annotation = latex_of(html)
        if annotation is not None:
            texts[annotation] = text
    return texts


def latex_of(html: str) -> str | None:
    """
    The LaTeX a render was made from, as its MathML annotation holds it
    (numbering applied); `None` for any other HTML.
    """
    if not (html.startswith((_INLINE, _BLOCK)) and html.endswith(f"</math>{_END}") and html.count("</math>") == 1):
        return None
    start, end = html.find(_ANNOTATION), html.rfind("</annotation>")
    if start < 0 or end < start:
        return None
    return unescape(html[start + len(_ANNOTATION) : end])


def error_html(tex: str, display: bool, message: str) -> str:
    """The LaTeX source shown as typed, marked as an error."""
    cls = "math-error math-display" if display else "math-error"
    return f'<code class="{cls}" title="{escape(message)}">{escape(tex)}</code>'
