"""
The words a search result shows: text of one block (table cell, list item, paragraph)
is never run into the next one's, and inline markup never splits a word.
"""

from __future__ import annotations

import keyword
import re
from html import escape

from hypothesis import given
from hypothesis import strategies as st

from site_gen.search_text import identifiers, plain_text

words = st.lists(st.text("abcxyzαβ学习", min_size=1, max_size=6), min_size=1, max_size=4).map(" ".join)


def _table(rows: list[list[str]]) -> str:
    return "<table>" + "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows) + "</table>"


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


blocks = st.one_of(
    st.lists(st.lists(words, min_size=1, max_size=3), min_size=1, max_size=3).map(
        lambda rows: (_table(rows), [cell for row in rows for cell in row])),
    st.lists(words, min_size=1, max_size=4).map(lambda items: (_list(items), items)),
    words.map(lambda text: (f"<p>{escape(text)}</p>", [text])),
)


@given(st.lists(blocks, min_size=1, max_size=4))
def test_blocks_stay_apart_in_search_text(parts) -> None:
    html = "".join(markup for markup, _ in parts)
    texts = [text for _, block in parts for text in block]
    [(_, _, found)] = plain_text(html)
    assert found.split(" · ") == texts  # each block whole, in order, with a separator between


def test_inline_markup_keeps_words_whole_and_sentences_need_no_separator() -> None:
    [(_, _, text)] = plain_text("<p>A st<em>ep</em> ends.</p><p>Next <code>lr</code></p><ul><li>one</li></ul>")
    assert text == "A step ends. Next lr · one"


# Formulas KaTeX renders, rejects (`\frac{a}`, `^^`) or escapes (`<`, `&`, quotes in `\text`)
_pieces = st.sampled_from(["m_t", r"\hat{v}_t", r"\beta_1^t", r"\frac{a}{1-b}", "<", "&", r"\text{a'b\"c}",
                           r"\sqrt{x}", r"\frac{a}", "^^", r"\begin{align}x&=1\\y&=2\end{align}", r"\tag{3}", " "])


@given(st.lists(_pieces, min_size=1, max_size=5).map("".join), st.booleans())
def test_a_formula_reads_the_same_from_its_latex_as_from_its_html(tex, display) -> None:
    """The search text of a formula comes from its LaTeX annotation: the same words the HTML parser finds."""
    from site_gen.math import KatexRenderer
    from site_gen.search_text import _stash_text, parsed_text

    html = KatexRenderer()(tex, display).html
    assert _stash_text(html) == parsed_text(html)


_code_line = st.lists(st.sampled_from(["x", "ñame", "if", "def", "_", "__init__", "a1", "1a", " ", "#", "# note", ".",
                                       "(", "'s'", "größe", "\t", "lambda", "None", "é", "日本"]), max_size=8).map("".join)


@given(st.lists(_code_line, max_size=6))
def test_code_names_are_each_name_of_the_code_outside_comments_once_in_order(lines: list[str]) -> None:
    expected: list[str] = []
    for line in lines:
        for name in re.findall(r"[^\W\d]\w*", line.split("#", 1)[0]):
            if len(name) > 1 and not keyword.iskeyword(name) and name not in expected:
                expected.append(name)
    assert identifiers(lines) == expected
