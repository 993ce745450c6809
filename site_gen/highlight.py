"""
# Highlighting code

Pygments lexes each file once, with its Python lexer's rules tried the
faster way of [lexing](lexing.py) (the same tokens). Joining the rules that
way costs about what lexing 2,000 lines costs, so a process lexes its first
2,000 lines with Pygments' own lexer: an edit build, which highlights one
file, never pays for it. The HTML is Pygments' `HtmlFormatter`'s (with
`nowrap`), made in one pass straight into lines by `_html_lines` (its chain of
generators cost as much as lexing): one line of HTML per source line, spans
closed and reopened where a token such as a docstring crosses a line break,
so the highlighted file can be cut at any line boundary: a section takes
exactly the lines it owns, whatever their CSS classes.
"""

from __future__ import annotations

from typing import Iterable

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
    global _lines_lexed
    _lines_lexed += text.count("\n")
    lexer = _FAST_LEXER if _lines_lexed > _JOIN_AFTER else _STOCK_LEXER
    # What `lexer.get_tokens` yields (the lexers have no filters), without its generator around each token
    lines = _html_lines(lexer.get_tokens_unprocessed(lexer._preprocess_lexer_input(text)))
    # Anything past the source's lines is empty
    return (lines + [""] * line_count)[:line_count]


def _html_lines(tokens: Iterable[tuple]) -> list[str]:
    """
    The lines `_FORMATTER` writes for `tokens` (`(offset, type, text)`, as a
    lexer's `get_tokens_unprocessed` yields them), without their line breaks,
    made as its `_format_lines` makes them: a token's class opens a span that
    stays open while the next tokens have the same class, and closes at the
    end of each line (reopened on the next if the token goes on).
    """
    openers = _FORMATTER.span_element_openers  # the formatter's own: a token type's `<span class="…">`, or ""
    lines: list[str] = []
    line: list[str] = []  # the line being made
    open_span = ""  # the span open in it
    for _, kind, value in tokens:
        span = openers.get(kind)
        if span is None:
            css = _FORMATTER._get_css_classes(kind)
            span = openers[kind] = f'<span class="{css}">' if css else ""
        if "&" in value or "<" in value or ">" in value:  # `html.escape(value, quote=False)`, called only when needed
            value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if "\n" in value:
            *ended, value = value.split("\n")
            for part in ended:  # each ends a line
                if line:
                    if open_span != span and part:
                        line += (open_span and "</span>", span, part, span and "</span>")
                    else:
                        line += (part, open_span and "</span>")
                    lines.append("".join(line))
                    line = []
                else:
                    lines.append(f"{span}{part}</span>" if part and span else part)
        if value:  # the rest, on the line going on
            if not line:
                line = [span, value]
                open_span = span
            elif open_span != span:
                line += (open_span and "</span>", span, value)
                open_span = span
            else:
                line.append(value)
    if line:
        line.append(open_span and "</span>")
        lines.append("".join(line))
    return lines


# Code in the code column and fenced code in prose share the colours
_SELECTORS = [".code", ".doc .highlight"]


def stylesheets(light: str = "default", dark: str = "github-dark") -> str:
    """Token colours for the light theme, and for `data-theme="dark"`."""
    light_css = HtmlFormatter(style=light).get_style_defs(_SELECTORS)
    dark_css = HtmlFormatter(style=dark).get_style_defs([f'[data-theme="dark"] {s}' for s in _SELECTORS])
    return f"/* Pygments {light} (light) and {dark} (dark) */\n{light_css}\n{dark_css}\n"
