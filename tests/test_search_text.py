"""
The words a search result shows: text of one block (table cell, list item, paragraph)
is never run into the next one's, and inline markup never splits a word.
"""

from __future__ import annotations

from html import escape

from hypothesis import given
from hypothesis import strategies as st

from site_gen.render import plain_text

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
