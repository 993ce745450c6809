"""
`FastPythonLexer` changes how Pygments' Python rules are tried, never which
one wins: on any text it yields exactly the tokens of Pygments' own
`PythonLexer`, token for token, offsets included.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments.lexers import PythonLexer

from site_gen.lexing import FastPythonLexer, first_characters

ROOT = Path(__file__).resolve().parent.parent
_OPTIONS = dict(stripnl=False, stripall=False, ensurenl=True)
_STOCK = PythonLexer(**_OPTIONS)
_FAST = FastPythonLexer(**_OPTIONS)


def _tokens(lexer, text: str) -> list:
    return list(lexer.get_tokens_unprocessed(text))


# Pieces of Python that move the lexer between its states: strings of every prefix and
# quote, f-string fields, decorators, imports, soft keywords, numbers, comments, odd bytes
_PIECES = st.sampled_from([
    "def ", "class ", "async ", "await ", "lambda", "import ", "from ", " as ", "match ", "case ", "type ",
    "_", "print", "self", "None", "True", "x", "ñame", "K", "ſ", "İ", "\u212a", "@", "@dec\n", ".", ",", ":",
    "(", ")", "[", "]", "{", "}", "{{", "}}", "=", "==", "!=", "->", "**", "//", "%", "%s", "%(a)d", "~", "`",
    "'", '"', "'''", '"""', "r'", 'rb"', "Rb'''", "f'", 'F"""', "fr'", "rf\"", "b'", "u'", "\\", "\\n", "\\N{DASH}",
    "\\x41", "0x1F", "0o7", "0b1", "1_000", "1.5e-3", "3j", ".5", "#", "# comment", "\n", " ", "\t", "\r", "\f",
    "!r", "!s", "=}", "$", "?", "\x00", "é", "日本", "\u2028",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_same_tokens_as_pygments_on_any_text(text: str) -> None:
    assert _tokens(_FAST, text) == _tokens(_STOCK, text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_same_tokens_on_arbitrary_characters(text: str) -> None:
    assert _tokens(_FAST, text) == _tokens(_STOCK, text)


@pytest.mark.parametrize("path", sorted((ROOT / "site_gen").glob("*.py")) + sorted((ROOT / "labml_nn").rglob("*.py")),
                         ids=str)
def test_same_tokens_on_this_project(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _tokens(_FAST, text) == _tokens(_STOCK, text)


@pytest.mark.parametrize("pattern, can_start, cannot_start", [
    (r"\d+", "07", "a_ "),
    (r"[^\W\d]\w*", "aZ_", "0 ."),
    (r"(?i)(rb|br|r)(''')", "rRbB", "'x"),
    (r"(?<!\.)(print|len)\b", "pl", ".r"),
    (r"\s*#.*$", "# \t\n", "x"),
    (r"[^\\\n'\"]+", "ab#", "\\\n'\""),
    (r"(?:x|)y", "xy", "z"),
])
def test_first_characters(pattern: str, can_start: str, cannot_start: str) -> None:
    start = first_characters(re.compile(pattern, re.MULTILINE))
    assert all(ord(c) in start for c in can_start)
    assert not any(ord(c) in start for c in cannot_start)


def test_a_rule_that_can_match_nothing_may_start_anywhere() -> None:
    assert first_characters(re.compile(r"x*")) == frozenset(range(128))


def test_highlighting_is_the_same_before_and_after_the_fast_lexer_takes_over(monkeypatch) -> None:
    """A process lexes its first lines with Pygments' own lexer (joining rules costs more than a small edit build needs)."""
    from site_gen import highlight

    text = (ROOT / "site_gen" / "grammar.py").read_text(encoding="utf-8")
    lines = text.count("\n") + 1
    monkeypatch.setattr(highlight, "_lines_lexed", 0)
    early = highlight.highlight_lines(text, lines)
    monkeypatch.setattr(highlight, "_lines_lexed", highlight._JOIN_AFTER + 1)
    late = highlight.highlight_lines(text, lines)
    assert early == late and any("<span" in line for line in early)
