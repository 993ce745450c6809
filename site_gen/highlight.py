"""
# Highlighting code

Pygments lexes each file once, with its Python lexer's rules tried the
faster way of [lexing](lexing.py) (the same tokens). Joining the rules that
way costs about what lexing 2,000 lines costs, so a process lexes its first
2,000 lines with Pygments' own lexer: an edit build, which highlights one
file, never pays for it. The formatter emits one line of HTML per source
line (it closes and reopens spans where a token such as a docstring crosses a
line break), so the highlighted file can be cut at any line boundary: a section
takes exactly the lines it owns, whatever their CSS classes.
"""

from __future__ import annotations

from io import StringIO

from pygments import lex
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from .lexing import FastPythonLexer

# One formatter and two lexers (the same tokens) for the whole build; none keeps per-file state
_OPTIONS = dict(stripnl=False, stripall=False, ensurenl=True)
_STOCK_LEXER = PythonLexer(**_OPTIONS)
_FAST_LEXER = FastPythonLexer(**_OPTIONS)
_FORMATTER = HtmlFormatter(nowrap=True)
_JOIN_AFTER = 2000  # lines this process lexes before the fast lexer pays for joining its rules
_lines_lexed = 0


def highlight_lines(text: str, line_count: int) -> list[str]:
    """HTML of each source line; index 0 is line 1."""
    html = _format(text)
    lines = html.split("\n")
    # The formatter ends with a newline; anything past the source's lines is empty
    return (lines + [""] * line_count)[:line_count]


def _format(text: str) -> str:
    global _lines_lexed
    _lines_lexed += text.count("\n")
    out = StringIO()
    _FORMATTER.format(lex(text, _FAST_LEXER if _lines_lexed > _JOIN_AFTER else _STOCK_LEXER), out)
    return out.getvalue()


# Code in the code column and fenced code in prose share the colours
_SELECTORS = [".code", ".doc .highlight"]


def stylesheets(light: str = "default", dark: str = "github-dark") -> str:
    """Token colours for the light theme, and for `data-theme="dark"`."""
    light_css = HtmlFormatter(style=light).get_style_defs(_SELECTORS)
    dark_css = HtmlFormatter(style=dark).get_style_defs([f'[data-theme="dark"] {s}' for s in _SELECTORS])
    return f"/* Pygments {light} (light) and {dark} (dark) */\n{light_css}\n{dark_css}\n"
