"""Sphinx cross-reference roles in docstrings show the code they name, as Sphinx shows it."""

from __future__ import annotations

import re

import markdown
from hypothesis import given, settings, strategies as st

from site_gen.prose import ProseRenderer
from site_gen.roles import ROLE_RE, SphinxRolesExtension, roles_as_code_spans, shown_text


def html(text: str) -> str:
    return ProseRenderer(lambda tex, display: None).render(text).html


def test_roles_show_the_code_they_name() -> None:
    assert html(":class:`~torch.optim.Optimizer` steps") == "<p><code>Optimizer</code> steps</p>"
    assert html("call :meth:`Optimizer.step`") == "<p>call <code>Optimizer.step()</code></p>"
    assert html(":func:`the update <adam.update>`") == "<p><code>the update</code></p>"
    assert html(":py:attr:`!state.step`, :exc:`ValueError`") == "<p><code>state.step</code>, <code>ValueError</code></p>"
    # reST's backslash joins the next word: "Tensors", not "Tensor\s"
    assert html("the :class:`~torch.Tensor`\\s it holds") == "<p>the <code>Tensor</code>s it holds</p>"


def test_other_roles_and_code_stay_as_written() -> None:
    assert html(":ref:`intro`") == "<p>:ref:<code>intro</code></p>"  # not a Python cross-reference
    assert html("```\n:class:`x`\n```").count(":class:`x`") == 1  # fenced code is code
    assert html("a:class:`x`") == "<p>a:class:<code>x</code></p>"  # glued to a word: not a role


def test_shown_text_of_callables_is_not_doubled() -> None:
    assert shown_text("func", "step()") == "step()"
    assert shown_text("meth", "~a.B.step") == "step()"
    assert shown_text("class", "~a.B") == "B"


_plain = markdown.Markdown(extensions=[])
_with_roles = markdown.Markdown(extensions=[SphinxRolesExtension()])
_pieces = st.sampled_from(["text", " ", ":", "`", "``", "class", ":class:", ":ref:", "~", "<", ">", "\\", "s",
                           "\n", "\n\n", "*", "_", "x.y", "(", ")", "!", "py:"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_pieces, max_size=30).map("".join))
def test_without_a_role_markdown_is_unchanged(text: str) -> None:
    """The extension touches nothing but roles: any other text renders exactly as plain Markdown does."""
    if re.search(ROLE_RE, text):
        return
    assert _with_roles.reset().convert(text) == _plain.reset().convert(text)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted({"class", "func", "meth", "attr", "mod", "exc", "obj"})),
       st.lists(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=4),
       st.booleans())
def test_a_role_shows_its_name_once_in_code(role: str, parts: list[str], short: bool) -> None:
    target = ".".join(parts)
    out = _with_roles.reset().convert(f"see :{role}:`{'~' if short else ''}{target}` here")
    name = parts[-1] if short else target
    assert out.count("<code>") == 1 and f"<code>{name}" in out and f":{role}:" not in out


def test_a_definitions_summary_reads_roles_as_their_code() -> None:
    assert roles_as_code_spans("Return the state as a :class:`dict`.") == "Return the state as a `dict`."
    assert roles_as_code_spans("Calls :meth:`~torch.optim.Optimizer.step` once") == "Calls `step()` once"
