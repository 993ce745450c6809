"""
The Unicode form of a formula in search snippets must read as the same expression:
random nested sub/superscripts, fractions and sums are rendered to TeX, made readable,
parsed back by the reading rules a person applies (a script mark binds one character or
one parenthesised group, a run of script characters is one script, `/` binds tighter
than `+`/`-`), and the tree read back must be the tree written.
"""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from site_gen.readable_math import SUBSCRIPTS, SUPERSCRIPTS, readable

# A formula tree: ("atom", text) | ("script", base, sub, sup) | ("frac", num, den) | ("sum", (t, op, t, …))
ATOMS = {"a": "a", "b": "b", "m": "m", "q": "q", "t": "t", "x": "x", "1": "1", "2": "2",
         r"\beta": "β", r"\alpha": "α", r"\hat{v}": "v̂"}


def tex(tree) -> str:
    kind = tree[0]
    if kind == "atom":
        return next(source for source, text in ATOMS.items() if text == tree[1])
    if kind == "script":
        _, base, sub, sup = tree
        return tex(base) + (f"_{{{tex(sub)}}}" if sub else "") + (f"^{{{tex(sup)}}}" if sup else "")
    if kind == "frac":
        return rf"\frac{{{tex(tree[1])}}}{{{tex(tree[2])}}}"
    return " ".join(part if isinstance(part, str) else tex(part) for part in tree[1])


def flat(tree):
    """`tree` with sums inside sums spread out (TeX's `a + {b - c}` reads as `a + b - c`)."""
    kind = tree[0]
    if kind == "atom":
        return tree
    if kind == "script":
        return ("script", flat(tree[1]), tree[2] and flat(tree[2]), tree[3] and flat(tree[3]))
    if kind == "frac":
        return ("frac", flat(tree[1]), flat(tree[2]))
    parts: list = []
    for part in tree[1]:
        part = part if isinstance(part, str) else flat(part)
        parts.extend(part[1] if not isinstance(part, str) and part[0] == "sum" else [part])
    return ("sum", tuple(parts))


_FROM_SUB = {value: key for key, value in SUBSCRIPTS.items()}
_FROM_SUP = {value: key for key, value in SUPERSCRIPTS.items()}


class Reader:
    """Reads the Unicode form back into a tree, as a person would."""

    def __init__(self, text: str) -> None:
        self.text, self.at = text, 0

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def skip_spaces(self) -> None:
        while self.peek() == " ":
            self.at += 1

    def whole(self):
        tree = self.sum()
        assert self.at == len(self.text), f"unread: {self.text[self.at:]!r} in {self.text!r}"
        return tree

    def sum(self):
        parts: list = [self.term()]
        self.skip_spaces()
        while self.peek() in ("+", "-") and self.peek():
            op = self.peek()
            self.at += 1
            self.skip_spaces()
            parts += [op, self.term()]
            self.skip_spaces()
        return parts[0] if len(parts) == 1 else ("sum", tuple(parts))

    def term(self):
        top = self.factor()
        if self.peek() == "/":
            self.at += 1
            return ("frac", top, self.factor())
        return top

    def factor(self):
        base = self.primary()
        scripts = {"_": None, "^": None}
        while True:
            char = self.peek()
            if char in ("_", "^"):
                self.at += 1
                scripts[char] = self.primary()
            elif char and (char in _FROM_SUB or char in _FROM_SUP):
                table, mark = (_FROM_SUB, "_") if char in _FROM_SUB else (_FROM_SUP, "^")
                run = ""
                while self.peek() and self.peek() in table:
                    run += table[self.peek()]
                    self.at += 1
                scripts[mark] = Reader(run).whole()
            else:
                break
        if scripts["_"] is None and scripts["^"] is None:
            return base
        return ("script", base, scripts["_"], scripts["^"])

    def primary(self):
        if self.peek() == "(":
            self.at += 1
            inner = self.sum()
            assert self.peek() == ")", f"unclosed group in {self.text!r}"
            self.at += 1
            return inner
        char = self.peek()
        assert char and char not in "+-/)_^ ", f"no term at {self.at} in {self.text!r}"
        self.at += 1
        while self.peek() and unicodedata.combining(self.peek()):
            char += self.peek()
            self.at += 1
        return ("atom", char)


atoms = st.sampled_from(sorted(ATOMS.values())).map(lambda text: ("atom", text))


def _compound(inner):
    scripted = st.tuples(st.just("script"), atoms, st.none() | inner, st.none() | inner).filter(
        lambda tree: tree[2] is not None or tree[3] is not None)
    fraction = st.tuples(st.just("frac"), inner, inner)
    summed = st.lists(st.tuples(st.sampled_from(["+", "-"]), inner), min_size=1, max_size=3).flatmap(
        lambda rest: inner.map(lambda first: ("sum", (first, *[item for pair in rest for item in pair]))))
    return st.one_of(scripted, fraction, summed)


formulas = st.recursive(atoms, _compound, max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(formulas)
def test_readable_form_reads_as_the_same_expression(tree) -> None:
    text = readable(tex(tree))
    assert "\\" not in text and "{" not in text, text
    assert flat(Reader(text).whole()) == flat(tree), (tex(tree), text)


def test_the_reviewers_examples_keep_their_grouping() -> None:
    for source in (r"s_{t-1}", r"\frac{m_t}{1-\beta_1^t}", r"\beta_2^{t-1}", r"x^\frac{a}{b}", r"\frac{\frac{a}{b}}{c}"):
        text = readable(source)
        assert "_t-1" not in text and "^t-1" not in text and "/1-" not in text, (source, text)
    assert readable(r"\beta_2^{t-1}") == "β₂ᵗ⁻¹"
    assert readable(r"\frac{m_t}{1-\beta_1^t}") == "mₜ/(1-β₁ᵗ)"
    assert readable(r"x_{b+1}") == "x_(b+1)"  # `b` has no subscript letter, so the group is spelled out


def test_broken_tex_still_gives_text() -> None:
    assert readable(r"x_{") and readable(r"\frac{a}") is not None and readable("^") is not None


def test_norms_primes_and_binomials_keep_their_meaning() -> None:
    """Found by a hostile review: the norm vanished (λ/2θ², read as λ/(2θ²)), `f''` read as a quotation mark."""
    assert readable(r"\frac{\lambda}{2}\|\theta\|^2") == "λ/2‖θ‖²"
    assert readable(r"\|x\|_2") == readable(r"\lVert x\rVert_2") == "‖x‖₂"
    assert readable(r"f''(x) + f'(x)") == "f″(x) + f′(x)"
    assert readable(r"\binom{n}{k}") == "C(n, k)"
