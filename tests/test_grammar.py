"""
The one grammar of our Markdown-with-math: its tokens give the input back, and
rendering, translation units and checks find exactly the same formulas.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings, strategies as st

from site_gen.grammar import _GRAMMAR, _next_rule, blocks, formulas, headings, tokenize, words
from site_gen.math import Rendered
from site_gen.prose import ProseRenderer, inventory, raw_html_outside_allowlist
from site_gen.translate import has_words, split_units

# Pieces that exercise every rule, joined at random: delimiters alone, so that
# hypothesis builds unbalanced and nested cases we would not think of
PIECES = [
    "$", "$$", "\\$", "\\(", "\\)", "\\[", "\\]", "\\begin{align}", "\\end{align}", "\\begin{equation*}",
    "\\end{equation*}", "`", "``", "```", "~~~", "```python", "\n", "\n\n", " ", "  ", "x", "a_b", "*y*", "\\alpha",
    "<!--", "-->", '<abbr title="$t$">', "</abbr>", "<a id=\"k\">", "</a>", ">>> ", "...", "[r]: https://e.org",
    "# ", "## Head", "{", "}", "1", "é", "<", ">", "* ", "- ", "1. ", "    ", "`c`",
    ".. math::", ":math:`", ":math:`x`", "   ", ":label: e", "\\\\", "&",  # reST's math role and directive
]
markdown_text = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


def rendered_formulas(text: str) -> list[tuple[str, bool]]:
    found = []

    def record(tex: str, display: bool) -> Rendered:
        found.append((tex, display))
        return Rendered("")

    ProseRenderer(record).render(text)
    return found


@given(st.one_of(markdown_text, st.text()))
def test_tokens_give_the_input_back(text: str) -> None:
    tokens = tokenize(text)
    assert "".join(t.text for t in tokens) == text
    assert all(t.text for t in tokens)
    assert all(t.text == text[t.start : t.end] for t in tokens)


@settings(max_examples=300, deadline=None)
@given(markdown_text)
def test_rendering_units_and_checks_find_the_same_formulas(text: str) -> None:
    # Python-Markdown turns tabs into spaces and drops a final newline before our
    # preprocessor sees the text; the pieces hold no tabs
    expected = formulas(text)
    assert rendered_formulas(text) == expected
    units = [formula for unit in split_units(text) for formula in formulas(unit)]
    assert Counter(units) == Counter(expected)
    checked = Counter({tex: n for (kind, tex), n in inventory(text).items() if kind == "formula"})
    assert checked == Counter(tex for tex, _ in expected)


@given(markdown_text)
def test_blocks_cut_only_at_blank_lines_outside_tokens(text: str) -> None:
    pieces = blocks(text)
    whole = set(t.text for t in tokenize(text) if t.kind != "text")
    for token in whole:
        assert any(token in piece for piece in pieces)


def test_what_is_and_is_not_math() -> None:
    text = (
        'A `$a$` <abbr title="$b$">c</abbr> <!-- $d$ --> \\$5 and $e$\n\n'
        "```\n$f$\n```\n\n$$g$$ \\(h\\) \\[i\n\nj\\] \\begin{align}k\\end{align}\n\n$l\n\nm$"
    )
    assert formulas(text) == [("e", False), ("g", True), ("h", False), ("i\n\nj", True),
                              ("\\begin{align}k\\end{align}", True)]
    assert [t.kind for t in tokenize(text) if t.kind == "lone"] == ["lone", "lone"]


def test_rest_math_role_and_directive_are_formulas() -> None:
    text = ("Node :math:`i` has\n\n.. math::\n\n    x_i = \\alpha \\sum_j A_{ij} x_j\n\nand\n\n"
            "  .. math:: a^2 = b\n\n.. math::\n   :label: two\n\n   a &= b \\\\\n   c &= d\n\n   e = f\nafter")
    assert formulas(text) == [
        ("i", False),
        ("x_i = \\alpha \\sum_j A_{ij} x_j", True),
        ("a^2 = b", True),  # the argument on the directive's line is its formula
        ("\\begin{gathered}\\begin{aligned}a &= b \\\\\nc &= d\\end{aligned} \\\\\ne = f\\end{gathered}", True),
    ]
    assert ".. math::" not in ProseRenderer(lambda tex, display: Rendered("F")).render(text).html
    assert "`i`" not in "".join(t.text for t in tokenize(text) if t.kind == "code")  # the role is not a code span


def test_a_display_formula_with_a_blank_line_is_one_unit() -> None:
    units = split_units("Before.\n\n\\[\na\n\nb\n\\]\n\nAfter.")
    assert units == ["Before.", "\\[\na\n\nb\n\\]", "After."]


def test_reference_definitions_and_comments_are_not_words() -> None:
    assert not has_words("[paper]: https://arxiv.org/abs/1412.6980\n[code]: https://example.org")
    assert not has_words("<!-- a note to self -->")
    assert not has_words(">>> print(x)\nhello")
    assert has_words("[^1]: A footnote has words.")
    assert words("See [Adam](adam.py).").split() == ["See", "[Adam]."]


def test_headings_skip_code_comments_and_doctests() -> None:
    text = "```\n# not a heading\n```\n<!--\n# nor this\n-->\n## Real $x$ ##\n# Second"
    assert list(headings(text)) == [(2, "Real $x$"), (1, "Second")]


def test_the_allowlist_check_sees_only_real_tags() -> None:
    assert raw_html_outside_allowlist("`<script>` and\n\n```\n<iframe>\n```") == []
    assert raw_html_outside_allowlist('<img src="x" onerror="y"> <script>z</script>') == ["<img onerror>", "<script>"]


def test_indented_code_holds_no_math_but_a_list_items_paragraph_does() -> None:
    shell = "Run it:\n\n    $ echo $HOME\n\n    $ ls\n\nThen $x$."
    assert formulas(shell) == [("x", False)]
    assert not [t for t in tokenize(shell) if t.kind == "lone"]
    assert split_units(shell) == ["Run it:", "    $ echo $HOME\n\n    $ ls", "Then $x$."]
    assert formulas("* An item\n\n    its paragraph, with $y$\n") == [("y", False)]
    assert formulas("A paragraph\n    continued with $z$\n") == [("z", False)]
    # In a list, the indented paragraph's first token need not be math
    assert [t.kind for t in tokenize("- item\n\n    `code` and <b>\n")] == ["text", "code", "text", "html", "text"]


def test_a_math_role_wrapped_over_two_lines_is_one_formula() -> None:
    # As torch/nn/modules/pooling.py writes it: a paragraph's line break inside the role
    text = "such that :math:`(L_{out} - 1) \\times \\text{stride} \\geq L_{in}\n          + \\text{padding}` holds"
    assert formulas(text) == [("(L_{out} - 1) \\times \\text{stride} \\geq L_{in}\n          + \\text{padding}", False)]
    assert not [t for t in tokenize(text) if t.kind == "code"]
    # A blank line ends the paragraph, and the role with it
    assert formulas("a :math:`x\n\ny` b") == []


@settings(max_examples=500)
@given(st.one_of(markdown_text, st.text(alphabet="$`<\\\n \t>x[]:~-*#")), st.integers(min_value=0, max_value=60))
def test_the_grammar_is_tried_only_where_a_rule_can_start(text: str, at: int) -> None:
    """Trying the grammar at rule starts finds what searching every character finds."""
    found, searched = _next_rule(text, at), _GRAMMAR.search(text, at)
    assert (found and (found.span(), found.groupdict())) == (searched and (searched.span(), searched.groupdict()))
