r"""
# The grammar of our Markdown-with-math

One tokenizer, used by everything that needs to know where the formulas, the
code and the raw HTML of some prose are: rendering (`prose`), translation
units (`translate`), titles (`document`) and the checks of translations. No
other module keeps a regular expression of its own for these, so they can
never disagree about what is a formula.

`tokenize(markdown)` returns `Token`s that cover the text exactly: joined
together they give the input back. Kinds:

| kind         | what                                                        |
|--------------|-------------------------------------------------------------|
| `text`       | ordinary Markdown                                           |
| `fence`      | a fenced code block, to the same fence at the same indent (or the end) |
| `doctest`    | a `>>>` example and its output, up to a blank line          |
| `indented`   | an indented code block (not an indented paragraph of a list item) |
| `code`       | a code span                                                 |
| `comment`    | an HTML comment (its formulas are not formulas)             |
| `html`       | one raw HTML tag (`$` in an attribute is not math)          |
| `definition` | a reference-style link definition, `[x]: https://…`         |
| `dollar`     | `\$`, a dollar                                              |
| `math`       | `$…$`, `$$…$$`, `\(…\)`, `\[…\]`, `\begin{align}…\end{align}`, and `\eqref{…}`/`\ref{…}` in prose; reST's `:math:` role and `.. math::` directive |
| `lone`       | a `$` that opens no formula                                 |

One pass, leftmost match wins, so a `$` inside a code span or an attribute
is never mistaken for math, and a backtick inside a formula never opens code.
Every rule starts at a line start or at one of `` ` < \ $ : ``, so the grammar is
tried only there (searching for it tried every rule at every character).
An inline `$…$` formula never spans a blank line (a paragraph break): its
first `$` is then a lone dollar.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import Iterator

# LaTeX environments that are display math on their own
ENVIRONMENTS = r"(?:align|alignat|aligned|equation|gather|multline|flalign|eqnarray|split)\*?"

_NOT_BLANK_LINE = r"(?!\n[ \t]*\n)"

# An indented code block: after a blank line (or at the start), lines indented by four
# spaces, blank lines between them included
_INDENTED = r"""(?P<indented>(?:(?<=\n\n)|\A)[ ]{4}[^\n]*(?:\n(?:[ \t]*\n)*[ ]{4}[^\n]*)*)
  | """

_RULES = r"""
    (?P<fence>^(?P<indent>[ \t]*)(?P<fencemark>`{3,}|~{3,})[^\n]*(?:\n.*?)??(?:\n(?P=indent)(?P=fencemark)[ \t]*(?=\n|\Z)|\Z))
  | (?P<doctest>^[ \t]*>>>(?=[ \t]|$)[^\n]*(?:\n(?![ \t]*(?:\n|\Z))[^\n]*)*)
  | """ + _INDENTED + r"""(?P<definition>^[ ]{0,3}\[(?!\^)[^\]\n]+\]:[ \t]*\S[^\n]*)
  | (?P<directive>^(?P<dindent>[ \t]*)\.\.[ \t]+math::(?P<darg>[^\n]*)(?P<dbody>(?:\n(?:[ \t]*\n)*(?P=dindent)[ \t]+\S[^\n]*)*))
  | :math:`(?P<role>(?:""" + _NOT_BLANK_LINE + r"""[^`])+)`(?:\\(?=\w)|\\[ ])?
  | (?P<code>(?P<ticks>`+)(?:""" + _NOT_BLANK_LINE + r""".)+?(?<!`)(?P=ticks)(?!`))
  | (?P<comment><!--.*?-->)
  | (?P<html></?[A-Za-z][A-Za-z0-9-]*(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*/?>)
  | (?P<dollar>\\\$)
  | \$\$(?P<display>.+?)\$\$
  | \\\[(?P<bracket>.+?)\\\]
  | (?P<env>\\begin\{(?P<name>""" + ENVIRONMENTS + r""")\}.*?\\end\{(?P=name)\})
  | \\\((?P<paren>.+?)\\\)
  | (?P<reference>\\(?:eq)?ref\{[^{}\n]*\})
  | \$(?P<inline>[^\s$](?:\\.|""" + _NOT_BLANK_LINE + r"""[^\\$])*?)(?<!\s)\$(?!\d)
  | (?P<lone>\$)
    """
_GRAMMAR = re.compile(_RULES, re.DOTALL | re.VERBOSE | re.MULTILINE)
# Inside a list, indented lines are the item's paragraphs, not code
_IN_LIST = re.compile(_RULES.replace(_INDENTED, ""), re.DOTALL | re.VERBOSE | re.MULTILINE)
_LIST_ITEM = re.compile(r"[ \t]*(?:[*+-]|\d+[.)])[ \t]")

# Where a rule can start: a line start (`^`, `\A`, after `\n\n`), or `` ` ``, `<`, `\`, `$`, `:` (`:math:`).
# A new rule that starts elsewhere must be added here (tests/test_grammar.py compares with a plain search)
_RULE_START = re.compile(r"^|[`<\\$:]", re.MULTILINE)

_MATH_GROUPS = (("display", True), ("bracket", True), ("env", True), ("paren", False), ("reference", False),
                ("inline", False), ("role", False))
_KINDS = ("fence", "doctest", "indented", "definition", "code", "comment", "html", "dollar", "lone")
# Kinds that are the same in every language: no words to translate
NOT_WORDS = {"fence", "doctest", "indented", "definition", "code", "comment", "html", "math", "dollar"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str  # exactly as written
    start: int  # offset in the tokenized text
    tex: str = ""  # for `math`: the LaTeX inside the delimiters (the whole environment for `env`)
    display: bool = False

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def tokenize(markdown: str) -> list[Token]:
    """The tokens of some Markdown; `"".join(t.text for t in tokens) == markdown`."""
    tokens: list[Token] = []
    at = 0
    while (match := _next_rule(markdown, at)) is not None:
        if match.group("indented") is not None and _in_list(markdown, match.start()):
            match = _IN_LIST.search(markdown, match.start())
            if match is None:
                break
        if match.start() > at:
            tokens.append(Token("text", markdown[at : match.start()], at))
        tokens.append(_token(match))
        at = match.end()
    if at < len(markdown):
        tokens.append(Token("text", markdown[at:], at))
    return tokens


def _next_rule(markdown: str, at: int) -> re.Match[str] | None:
    """`_GRAMMAR.search(markdown, at)`, trying the grammar only where a rule can start."""
    for start in _RULE_START.finditer(markdown, at):
        match = _GRAMMAR.match(markdown, start.start())
        if match is not None:
            return match
    return None


def _in_list(markdown: str, start: int) -> bool:
    """True when the last line with text before `start` is a list item or indented (an item's paragraph)."""
    before = markdown[:start].rstrip(" \t\n")
    line = before[before.rfind("\n") + 1 :]
    return bool(_LIST_ITEM.match(line)) or line.startswith((" " * 4, "\t"))


def _token(match: re.Match[str]) -> Token:
    if match.group("directive") is not None:
        return Token("math", match.group(0), match.start(), _directive_tex(match["darg"], match["dbody"]), True)
    for group, display in _MATH_GROUPS:
        tex = match.group(group)
        if tex is not None:
            return Token("math", match.group(0), match.start(), tex.strip(), display)
    groups = match.groupdict()  # the list grammar has no `indented` group
    kind = next(kind for kind in _KINDS if groups.get(kind) is not None)
    return Token(kind, match.group(0), match.start())


_DIRECTIVE_OPTION = re.compile(r":(?:label|name|class|nowrap):[^\n]*")


def _directive_tex(argument: str, body: str) -> str:
    """
    The LaTeX of a reST `.. math::` directive: its argument and its body without
    options. Equations apart (a blank line between) are stacked, an equation with
    `\\\\` line breaks is aligned, as Sphinx does; an environment is kept as written.
    """
    lines = [argument.strip()] + textwrap.dedent(body.strip("\n")).splitlines()
    lines = [line for line in lines if not _DIRECTIVE_OPTION.fullmatch(line.strip())]
    equations = [part.strip() for part in "\n".join(lines).strip().split("\n\n") if part.strip()]
    if any("\\begin" in equation for equation in equations):
        return "\n\n".join(equations)
    equations = ["\\begin{aligned}" + e + "\\end{aligned}" if "\\\\" in e else e for e in equations]
    if len(equations) > 1:
        return "\\begin{gathered}" + " \\\\\n".join(equations) + "\\end{gathered}"
    return equations[0] if equations else ""


def formulas(markdown: str) -> list[tuple[str, bool]]:
    """`(tex, display)` of every formula, in order."""
    return [(t.tex, t.display) for t in tokenize(markdown) if t.kind == "math"]


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def blocks(markdown: str) -> list[str]:
    """
    The text cut at its blank lines, except those inside a token (a fence, a
    display formula, a comment), which stays whole.
    """
    pieces, start = [], 0
    for token in tokenize(markdown):
        if token.kind != "text":
            continue
        for blank in _BLANK_LINE.finditer(token.text):
            cut = token.start + blank.start()
            pieces.append(markdown[start:cut])
            start = token.start + blank.end()
    pieces.append(markdown[start:])
    return pieces


_ATX_HEADING = re.compile(r"[ ]{0,3}(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)


def headings(markdown: str) -> Iterator[tuple[int, str]]:
    """`(level, Markdown of the heading)` of each ATX heading outside code, comments and formulas."""
    tokens = tokenize(markdown)
    index = 0
    for line_start in (0, *(m.end() for m in re.finditer("\n", markdown))):
        while index < len(tokens) and tokens[index].end <= line_start:
            index += 1
        if index == len(tokens) or tokens[index].kind != "text":
            continue
        match = _ATX_HEADING.match(markdown, line_start)
        if match:
            yield len(match.group(1)), match.group(2)


def words(markdown: str) -> str:
    """The text of some Markdown without its formulas, code, HTML and link targets."""
    text = "".join(t.text if t.kind not in NOT_WORDS else " " for t in tokenize(markdown))
    return _LINK_TARGET.sub("]", text)


# The destination of an inline link or image: the same in every language
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
