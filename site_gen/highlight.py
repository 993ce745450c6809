"""
# Highlighting code

Pygments lexes each file once. The formatter emits one line of HTML per source
line (it closes and reopens spans where a token such as a docstring crosses a
line break), so the highlighted file can be cut at any line boundary: a section
takes exactly the lines it owns, whatever their CSS classes.
"""

from __future__ import annotations

from io import StringIO

from pygments import lex
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

# One lexer and formatter for the whole build; neither keeps per-file state
_LEXER = PythonLexer(stripnl=False, stripall=False, ensurenl=True)
_FORMATTER = HtmlFormatter(nowrap=True)


def highlight_lines(text: str, line_count: int) -> list[str]:
    """HTML of each source line; index 0 is line 1."""
    html = _format(text)
    lines = html.split("\n")
    # The formatter ends with a newline; anything past the source's lines is empty
    return (lines + [""] * line_count)[:line_count]


def _format(text: str) -> str:
    out = StringIO()
    _FORMATTER.format(lex(text, _LEXER), out)
    return out.getvalue()


def stylesheet(selector: str = ".code") -> str:
    """The CSS for the token classes, scoped to the code column."""
    return _FORMATTER.get_style_defs(selector)
