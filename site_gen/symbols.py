r"""
# Marking the symbols of a formula

So that a reader can click $\hat{m}_t$ in one equation and see it lit up in
every equation of the page, each *symbol* of a formula is wrapped, before
KaTeX sees it, in `\textcolor{#ID}{…}`, where `ID` is the symbol's identifier
(six hex digits, so a colour). KaTeX's MathML keeps a colour as
`<mstyle mathcolor="#ID">`, which [math](math.py) turns into
`<mstyle data-sym="ID">`: the mark, without the colour. (`\htmlData` would say
it directly, but KaTeX drops it from MathML.)

A symbol is a Latin or Greek letter, possibly under an accent (`\hat{v}`),
with its subscript (`m_t`, `\theta_{t-1}`) and with a superscript that names
rather than raises (`v^{max}_t`). A superscript that is a power (`\beta_1^t`,
`g_t^2`) is wrapped together with the symbol, so that KaTeX still stacks it
over the subscript, but is not part of the symbol's identity.

The identity is a short hash of the symbol's normalised LaTeX (spaces removed,
`_{t}` written `_t`): the same symbol gets the same identifier, and colour, on
every page and in every language.

A formula that sets colours itself (`\color`, `\textcolor`, …), or uses
commands that need KaTeX's `trust` or could build other commands (macros), is
left unmarked: no colour of the author's can be mistaken for a mark.

A mark normally changes only an `mstyle` around the symbol: KaTeX builds the
MathML of `\textcolor{…}{x_t}` as that of `x_t` inside the colour's `mstyle`.
`mark_whole_symbols` says when that holds: every mark wraps a whole atom (no
script, prime or Unicode superscript follows it, and a script's argument stays
one token), and no command that looks at what its argument is (`\mathbin{x}`
draws a lone letter differently from a group) is used.
"""

from __future__ import annotations

import hashlib
import re

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
    "kappa", "lambda", "mu", "nu", "xi", "pi", "varpi", "rho", "varrho", "sigma", "varsigma", "tau", "upsilon",
    "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon",
    "Phi", "Psi", "Omega", "ell",
}
# Commands that make a symbol of a letter: accents, and fonts (`\mathbf{x}` is a vector, not `x`)
ACCENTS = {"hat", "bar", "tilde", "vec", "dot", "ddot", "widehat", "widetilde", "overline", "check", "breve",
           "mathbf", "boldsymbol", "bm", "mathcal", "mathbb", "mathfrak", "mathscr"}
# Commands whose argument is text or a name, never symbols
_VERBATIM = {"text", "textrm", "textit", "textbf", "textsf", "texttt", "textup", "textnormal", "emph", "mbox",
             "hbox", "mathrm", "mathit", "mathsf", "mathtt", "operatorname", "begin", "end", "label", "tag",
             "ref", "eqref"}
# Commands whose first arguments are colours, sizes or column specs, never symbols: how many
_SETTINGS = {"color": 1, "textcolor": 1, "colorbox": 1, "fcolorbox": 2, "hspace": 1, "vspace": 1, "kern": 1,
             "mkern": 1, "mskip": 1, "hskip": 1, "rule": 2, "raisebox": 1}
# Environments whose `\begin{…}` takes a column spec or a count (`\begin{array}{ll}`, `\begin{alignat}{2}`)
_ENVIRONMENT_ARGUMENT = {"array", "darray", "subarray", "alignat", "alignat*", "alignedat", "tabular"}
_SIZE = re.compile(r"-?[\d.]+[a-z]{2}")  # `\kern3mu`, written without braces
# Commands that set colours (a mark is a colour), need `trust`, or could build such a command:
# a formula with any of them stays unmarked
UNMARKABLE = {
    "color", "textcolor", "colorbox", "fcolorbox", "definecolor",
    "href", "url", "includegraphics", "htmlClass", "htmlId", "htmlStyle", "htmlData",
    "def", "gdef", "edef", "xdef", "let", "futurelet", "newcommand", "renewcommand", "providecommand",
    "csname", "expandafter", "char", "@ifnextchar",
}

# Commands whose MathML depends on whether their argument is a lone character
_ARGUMENT_SENSITIVE = {
    "mathbin", "mathrel", "mathord", "mathop", "mathopen", "mathclose", "mathpunct", "mathinner", "stackrel",
    "overset", "underset", "boldsymbol", "bm", "pmb", "not", "verb",
}
_ATTACHES = ("_", "^", "'")  # what would attach to the atom before it

_TOKEN = re.compile(r"\\[A-Za-z@]+|\\.|\s+|.", re.DOTALL)


def symbol_id(normalised: str) -> str:
    """Six hex digits: the symbol's identifier, and the colour that marks it."""
    return hashlib.sha1(normalised.encode("utf-8")).hexdigest()[:6]


def is_markable(tex: str) -> bool:
    """False for a formula that sets colours or uses commands that could hide a colour."""
    return not any(token[1:] in UNMARKABLE for token in _TOKEN.findall(tex) if token.startswith("\\"))


def mark_symbols(tex: str) -> str:
    """The formula with every symbol wrapped in `\\textcolor{#ID}{…}`."""
    return _marked(tex)[0]


def mark_whole_symbols(tex: str) -> str | None:
    """The marked formula when every mark leaves KaTeX's MathML as it was; otherwise None."""
    marked, whole = _marked(tex)
    return marked if whole else None


def _marked(tex: str) -> tuple[str, bool]:
    """The marked formula, and whether every mark wraps a whole atom (see `mark_whole_symbols`)."""
    tokens = _TOKEN.findall(tex)
    whole = not any(t[1:] in _ARGUMENT_SENSITIVE for t in tokens if t.startswith("\\"))
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("\\") and (token[1:] in _VERBATIM or token[1:] in _SETTINGS or token == "\\\\"):
            start = _skip_space(tokens, i + 1)
            whole = whole and (start >= len(tokens) or tokens[start] != "*")  # `\operatorname*{…}`: its group is marked
            end = _arguments_end(tokens, i)
            out.extend(tokens[i:end])
            i = end
            continue
        symbol = _symbol_at(tokens, i)
        if symbol is None:
            out.append(token)
            i += 1
            continue
        end, identity = symbol
        marked = f"\\textcolor{{#{symbol_id(identity)}}}{{{''.join(tokens[i:end])}}}"
        # A script takes one argument: `\nabla_\theta` needs the marked symbol in braces
        after_script = next((t for t in reversed(out) if not t.isspace()), "") in ("_", "^")
        out.append("{" + marked + "}" if after_script else marked)
        at = _skip_space(tokens, end)
        following = tokens[at] if at < len(tokens) else ""
        if (after_script and end - i > 1) or following in _ATTACHES or not following.isascii():
            whole = False
        i = end
    return "".join(out), whole


def _arguments_end(tokens: list[str], i: int) -> int:
    """Where the arguments that hold no symbols end, for the command at token `i`."""
    command = tokens[i][1:]
    if command == "\\":  # a line break's optional space, `\\[4pt]`
        return _bracket_end(tokens, i + 1)
    if command in _SETTINGS and (size := _SIZE.match("".join(tokens[i + 1 : i + 8]))):
        return i + 1 + _tokens_in(tokens[i + 1 :], len(size.group(0)))
    end = i + 1
    for _ in range(_SETTINGS.get(command, 1)):
        end = _skip_group(tokens, _skip_space(tokens, end))
    if command == "begin" and "".join(tokens[i + 1 : end]).strip().strip("{}") in _ENVIRONMENT_ARGUMENT:
        end = _skip_group(tokens, _skip_space(tokens, _bracket_end(tokens, _skip_space(tokens, end))))
    elif command == "begin" and "".join(tokens[i + 1 : end]).strip().strip("{}").endswith("matrix*"):
        end = _bracket_end(tokens, _skip_space(tokens, end))
    return end


def _bracket_end(tokens: list[str], i: int) -> int:
    """The end of an optional `[…]` argument at token `i`, or `i` if there is none."""
    if i < len(tokens) and tokens[i] == "[":
        for j in range(i, len(tokens)):
            if tokens[j] == "]":
                return j + 1
    return i


def _tokens_in(tokens: list[str], length: int) -> int:
    """How many tokens make up the first `length` characters."""
    count = total = 0
    while total < length:
        total += len(tokens[count])
        count += 1
    return count


def _symbol_at(tokens: list[str], i: int) -> tuple[int, str] | None:
    """If a symbol starts at token `i`: where it ends, and its normalised LaTeX."""
    base = _base_at(tokens, i)
    if base is None:
        return None
    end, identity = base
    script_marks = {"_": "", "^": ""}
    while True:
        at = _skip_space(tokens, end)
        if at >= len(tokens) or tokens[at] not in script_marks or script_marks[tokens[at]]:
            break
        mark = tokens[at]
        argument_start = _skip_space(tokens, at + 1)
        argument_end = _skip_group(tokens, argument_start)
        if argument_end == argument_start:
            break
        argument = _normalise(tokens[argument_start:argument_end])
        script_marks[mark] = argument or "?"
        # A subscript, or a superscript that names (two letters or more), is part of the identity
        if mark == "_" or sum(c.isalpha() for c in argument) >= 2:
            identity += mark + (argument if len(argument) == 1 else "{" + argument + "}")
        end = argument_end
    return end, identity


def _base_at(tokens: list[str], i: int) -> tuple[int, str] | None:
    token = tokens[i]
    if len(token) == 1 and token.isascii() and token.isalpha():
        return i + 1, token
    if token.startswith("\\") and token[1:] in GREEK:
        return i + 1, token
    if token.startswith("\\") and token[1:] in ACCENTS:
        start = _skip_space(tokens, i + 1)
        if start < len(tokens) and tokens[start] == "{":
            end = _skip_group(tokens, start)
            inner = [t for t in tokens[start + 1 : end - 1] if not t.isspace()]
            if len(inner) == 1 and _base_at(inner, 0) is not None:
                return end, f"{token}{{{inner[0]}}}"
        elif start < len(tokens) and _base_at(tokens, start) is not None and tokens[start] not in ("{", "}"):
            inner_end, inner = _base_at(tokens, start)  # type: ignore[misc]
            if not tokens[start].startswith("\\") or tokens[start][1:] in GREEK:
                return inner_end, f"{token}{{{inner}}}"
    return None


def _skip_space(tokens: list[str], i: int) -> int:
    while i < len(tokens) and tokens[i].isspace():
        i += 1
    return i


def _skip_group(tokens: list[str], i: int) -> int:
    """The end of one argument: a `{…}` group (balanced) or a single token."""
    if i >= len(tokens):
        return i
    if tokens[i] != "{":
        return i + 1 if tokens[i] not in ("}", "_", "^", "&") else i
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j] == "{":
            depth += 1
        elif tokens[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return i  # unbalanced: not an argument we can use


def _normalise(tokens: list[str]) -> str:
    text = "".join(t for t in tokens if not t.isspace())
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    return text
