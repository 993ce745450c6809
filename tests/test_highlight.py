"""
Highlighting makes exactly the HTML of Pygments' own `HtmlFormatter`
(`nowrap`) and `PythonLexer`, cut into lines: `highlight._html_lines` writes it
in one pass, so it is checked against Pygments on arbitrary token streams,
arbitrary text, this project's sources and a slice of the standard library.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from pygments.token import Comment, Keyword, Name, String, Text, Token

from site_gen import highlight
from site_gen.document import parse
from site_gen.model import Source
from site_gen.read import code_view, unfold
from test_lexing import _PIECES

ROOT = Path(__file__).resolve().parent.parent
STDLIB = Path(sysconfig.get_paths()["stdlib"])
_REFERENCE = HtmlFormatter(nowrap=True)


def reference(text: str, line_count: int) -> list[str]:
    """Pygments' HTML of `text`, a line per source line."""
    html = pygments_highlight(text, PythonLexer(stripnl=False, stripall=False, ensurenl=True), _REFERENCE)
    return (html.split("\n") + [""] * line_count)[:line_count]


def same_as_pygments(text: str) -> None:
    count = text.count("\n") + 1
    assert highlight.highlight_lines(text, count) == reference(text, count)


# Token types with and without a class of their own, and one nested below a standard type
_KINDS = st.sampled_from([Text, Text.Whitespace, Token, Keyword, Name, Name.Function, String.Doc, Comment.Single,
                          Name.Builtin.Pseudo, Token.Made.Up])
_VALUES = st.lists(st.sampled_from(["", "\n", "\n\n", "a", " ", "&", "<", ">", "<&>", "'", '"', "x\ny", "é"]),
                   max_size=4).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(_KINDS, _VALUES), max_size=30))
def test_lines_are_the_formatters_on_any_token_stream(tokens: list) -> None:
    expected = "".join(piece for _, piece in _REFERENCE._format_lines(iter(tokens)))
    lines = highlight._html_lines((0, kind, value) for kind, value in tokens)
    assert "".join(line + "\n" for line in lines) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_same_html_as_pygments_on_python_like_text(text: str) -> None:
    same_as_pygments(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_same_html_as_pygments_on_arbitrary_characters(text: str) -> None:
    same_as_pygments(text)


@pytest.mark.parametrize("fast", [False, True], ids=["stock lexer", "fast lexer"])
@pytest.mark.parametrize("path", sorted((ROOT / "site_gen").glob("*.py"))[::4] + sorted(STDLIB.glob("*.py"))[::12],
                         ids=lambda p: p.name)
def test_same_html_as_pygments_on_real_sources(path: Path, fast: bool, monkeypatch) -> None:
    monkeypatch.setattr(highlight, "_lines_lexed", highlight._JOIN_AFTER + 1 if fast else -10**9)
    same_as_pygments(path.read_text(encoding="utf-8", errors="surrogateescape"))


# ## Code highlighted from the code alone
# A page's code is highlighted from its text with each run of comment lines shown as prose folded into one
# line, `#` (`read.code_view`), so that an edit of prose finds the code's highlighting in the cache. Invariants:
# where Pygments reads comments as Python does, every line shown as code is highlighted exactly as from the
# whole text (Hypothesis, and every file of the standard library and site-packages when this was written);
# and wherever it misreads them, what a comment says never changes the colours of the code.

_SOURCE = Source(PurePosixPath("m.py"), PurePosixPath("m.html"), PurePosixPath("m.py"), "python")


def same_code_from_its_view(text: str) -> None:
    comment_rows: list[int] = []
    document = parse(_SOURCE, text, [], comment_rows=comment_rows)
    view, folds = code_view(text, document, comment_rows)
    count = text.count("\n") + 1
    whole = highlight.highlight_lines(text, count)
    alone = unfold(highlight.highlight_lines(view, view.count("\n") + 1), folds)
    assert len(alone) == count
    shown = [number for section in document.sections for number in section.code_lines]
    assert [alone[n - 1] for n in shown] == [whole[n - 1] for n in shown]


_LINES = st.sampled_from([
    "# prose", "    # indented prose with 'quotes' and \"more\"", "# {braces} %s \\", "#", "x = 1  # trailing",
    "def f(a):", '    """Doc.', '    # in a docstring"""', '    """One line."""', "    return a", "s = '''",
    "# inside a string", "'''", 'y = f"{x}"  # c', "if x:", "    pass", "", "@dec", "class C:", "# -*- coding: utf-8 -*-",
    "z = (1,", "     # between arguments", "     2)", "t = 'a' \\", "    'b'", "# noqa: E501", "u = r'\\'",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINES, max_size=25).map("\n".join))
def test_code_lines_highlight_the_same_from_the_code_alone(text: str) -> None:
    same_code_from_its_view(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_code_lines_highlight_the_same_from_the_code_alone_on_python_like_text(text: str) -> None:
    same_code_from_its_view(text)


@pytest.mark.parametrize("path", sorted((ROOT / "site_gen").glob("*.py")) + sorted((ROOT / "labml_nn").rglob("*.py"))
                         + sorted(STDLIB.glob("*.py"))[::6], ids=lambda p: p.name)
def test_code_lines_highlight_the_same_from_the_code_alone_on_real_sources(path: Path) -> None:
    same_code_from_its_view(path.read_text(encoding="utf-8", errors="surrogateescape").replace("\r\n", "\n"))


def shown_code(text: str) -> list[str]:
    comment_rows: list[int] = []
    document = parse(_SOURCE, text, [], comment_rows=comment_rows)
    view, folds = code_view(text, document, comment_rows)
    lines = unfold(highlight.highlight_lines(view, view.count("\n") + 1), folds)
    return [lines[n - 1] for section in document.sections for n in section.code_lines]


# Python that Pygments misreads before a comment (found by the hostile review): in the whole text, the
# comment's quotes, brace or underscore decided how the code after it was coloured
@pytest.mark.parametrize("before, after", [
    ('PATTERN = r"""\\""" still a string"""\n', "value = compute(PATTERN)\nother = 3\n"),
    ('row = "{cells[" + str(i)\n', "print(row)\n"),
    ("items = [\n    case\n", "]\nx = 1\ny = 2\n"),
], ids=["escaped quote in a raw string", "format field", "case as a name"])
def test_what_a_comment_says_never_changes_the_colours_of_the_code(before: str, after: str) -> None:
    indent = "    " if before.endswith("case\n") else ""
    words = ["plain words", "with ''' and \"\"\" in it", "see cells[i]} above", 'see _ """ below']
    colours = {repr(shown_code(f"{before}{indent}# {said}\n{after}")) for said in words}
    assert len(colours) == 1
