"""
# Lexing Python faster, with Pygments' own rules

In: source text. Out: exactly the tokens Pygments' `PythonLexer` yields.

A Pygments `RegexLexer` finds each token by trying its state's rules one by
one, each a separate regular expression called from Python: about forty calls
per token, and that loop is most of a cold build's time (pycco pays it too).
`FastPythonLexer` keeps the rules and changes only how they are tried. For
each state, and each ASCII character a token may start with, it joins, in
their order, the rules that could match a token starting with that character
into one alternation `(r1)|(r2)|…`. The regular expression engine tries the
alternatives in order and stops at the first that matches, as the loop did,
so the winning rule is the same. Which rules *could* match is worked out from
the parsed rules (`re._parser`); wherever that is unsure (a lookahead, an
unknown construct), the rule is kept, so leaving a rule out is always safe.
A rule whose match needs its own groups (`bygroups`) is matched again alone.
Any state we cannot join (a back-reference, a flag we cannot scope) is tried
the Pygments way.
"""

from __future__ import annotations

import re
from re import _constants as sre, _parser as sre_parse  # the parsed form of a rule: what it can start with

from pygments.lexers import PythonLexer
from pygments.token import Error, Whitespace, _TokenType

_ASCII = frozenset(range(128))
# `\d`, `\s`, `\w` of a str pattern, on ASCII characters (`\s` includes \x1c-\x1f)
_CATEGORIES = {
    sre.CATEGORY_DIGIT: lambda c: 48 <= c <= 57,
    sre.CATEGORY_UNI_DIGIT: lambda c: 48 <= c <= 57,
    sre.CATEGORY_SPACE: lambda c: chr(c).isspace(),
    sre.CATEGORY_UNI_SPACE: lambda c: chr(c).isspace(),
    sre.CATEGORY_WORD: lambda c: chr(c).isalnum() or c == 95,
    sre.CATEGORY_UNI_WORD: lambda c: chr(c).isalnum() or c == 95,
}
_NEGATED = {
    sre.CATEGORY_NOT_DIGIT: sre.CATEGORY_DIGIT, sre.CATEGORY_UNI_NOT_DIGIT: sre.CATEGORY_UNI_DIGIT,
    sre.CATEGORY_NOT_SPACE: sre.CATEGORY_SPACE, sre.CATEGORY_UNI_NOT_SPACE: sre.CATEGORY_UNI_SPACE,
    sre.CATEGORY_NOT_WORD: sre.CATEGORY_WORD, sre.CATEGORY_UNI_NOT_WORD: sre.CATEGORY_UNI_WORD,
}
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}
_LEADING_FLAGS = re.compile(r"\(\?([imsx]+)\)")
_BACK_REFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


def first_characters(pattern: re.Pattern[str]) -> frozenset[int]:
    """The ASCII characters a match of `pattern` can start with (all of them when it can match nothing)."""
    if pattern.flags & re.ASCII:  # `\s` would mean fewer characters than `_CATEGORIES` says
        return _ASCII
    try:
        found, empty = _first(sre_parse.parse(pattern.pattern, pattern.flags), bool(pattern.flags & re.I))
    except Exception:  # a construct this reading does not know: any start is possible
        return _ASCII
    return _ASCII if empty else frozenset(found)


def _first(items, nocase: bool) -> tuple[set[int], bool]:
    """What a sequence of parsed items can start with, and whether it can match the empty string."""
    found: set[int] = set()
    for op, av in items:
        start, empty = _first_of(op, av, nocase)
        found |= start
        if not empty:
            return found, False
    return found, True


def _first_of(op, av, nocase: bool) -> tuple[set[int], bool]:
    if op is sre.LITERAL:
        return _cased({av}, nocase), False
    if op is sre.IN:
        return _cased({c for c in _ASCII if _in_set(av, c, nocase)}, nocase), False
    if op is sre.BRANCH:
        found, empty = set(), False
        for branch in av[1]:
            start, branch_empty = _first(branch, nocase)
            found |= start
            empty = empty or branch_empty
        return found, empty
    if op is sre.SUBPATTERN:
        _group, add, remove, body = av
        return _first(body, (nocase or bool(add & re.I)) and not remove & re.I)
    if op in _REPEATS:
        low, _high, body = av
        start, empty = _first(body, nocase)
        return start, empty or low == 0
    if op is sre.ATOMIC_GROUP:
        return _first(av, nocase)
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):  # zero width: the next item decides
        return set(), True
    return set(_ASCII), True  # NOT_LITERAL, ANY and anything else: no restriction


def _cased(codes: set[int], nocase: bool) -> set[int]:
    if not nocase:
        return codes
    if any(c >= 128 for c in codes):  # some non-ASCII letters match ASCII ones when case is ignored
        return set(_ASCII)
    return codes | {ord(chr(c).swapcase()) for c in codes if chr(c).swapcase().isascii()}


def _in_set(items, code: int, nocase: bool) -> bool:
    """Whether the ASCII character `code` belongs to a parsed `[...]` set."""
    negate = False
    hit = False
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            hit = hit or av == code or (nocase and (av >= 128 or chr(av).swapcase() == chr(code)))
        elif op is sre.RANGE:
            low, high = av
            hit = hit or low <= code <= high or (nocase and (high >= 128 or low <= ord(chr(code).swapcase()) <= high))
        elif op is sre.CATEGORY and av in _CATEGORIES:
            hit = hit or _CATEGORIES[av](code)
        elif op is sre.CATEGORY and av in _NEGATED:
            hit = hit or not _CATEGORIES[_NEGATED[av]](code)
        else:
            return True  # unknown: keep the rule
    return hit != negate


class _JoinedState:
    """One state's rules, joined per first character as characters come (compiling all costs half a second)."""

    def __init__(self, rules: list) -> None:
        self.rules = rules
        patterns = [rule[0].__self__ for rule in rules]
        self.parts = [_scoped(p) for p in patterns]
        self.starts = [first_characters(p) for p in patterns]
        self.by_character: dict[str, tuple] = {}
        self._joined: dict[tuple[int, ...], tuple] = {}

    def at(self, character: str) -> tuple:
        """The joined rules a token starting with `character` is matched against, and the rule of each group."""
        if character not in self.by_character:
            if character.isascii() and character:
                chosen = tuple(i for i, start in enumerate(self.starts) if ord(character) in start)
            else:  # a non-ASCII character, or the end of the text: every rule
                chosen = tuple(range(len(self.rules)))
            if chosen not in self._joined:
                self._joined[chosen] = self._join(chosen)
            self.by_character[character] = self._joined[chosen]
        return self.by_character[character]

    def _join(self, chosen: tuple[int, ...]) -> tuple:
        """The alternation of the chosen rules, and the rule each alternative's group stands for."""
        by_group = {}
        group = 1
        for i in chosen:
            by_group[group] = self.rules[i]
            group += 1 + self.rules[i][0].__self__.groups
        pattern = re.compile("|".join(f"({self.parts[i]})" for i in chosen) or "(?!)", _FLAGS)
        return pattern.match, by_group


_FLAGS = PythonLexer.flags | re.UNICODE


def _scoped(pattern: re.Pattern[str]) -> str:
    """The rule's source, fit to sit in an alternation with the others (its flags kept to itself)."""
    source = pattern.pattern
    leading = _LEADING_FLAGS.match(source)
    if leading:
        source = f"(?{leading.group(1)}:{source[leading.end():]})"
    elif source and pattern.flags != _FLAGS:
        raise ValueError(f"flags {pattern.flags} cannot be scoped")
    if _BACK_REFERENCE.search(source):
        raise ValueError("a back-reference would point at another rule's group")
    return source


class FastPythonLexer(PythonLexer):
    """Pygments' Python lexer: the same rules, the same tokens, tried fewer at a time."""

    _joined: dict[str, _JoinedState | None] = {}

    @classmethod
    def _state(cls, name: str) -> _JoinedState | None:
        """A state's joined rules, made on its first use (`None`: tried rule by rule)."""
        if name not in cls._joined:
            try:
                cls._joined[name] = _JoinedState(cls._tokens[name])
            except ValueError:
                cls._joined[name] = None
        return cls._joined[name]

    def get_tokens_unprocessed(self, text: str, stack=("root",)):
        stack = list(stack)
        state = self._state(stack[-1])
        pos, end = 0, len(text)
        while True:
            if state is None:  # tried the Pygments way, one rule after another
                rule, match = next(((r, m) for r in self._tokens[stack[-1]] if (m := r[0](text, pos))), (None, None))
            else:
                character = text[pos] if pos < end else ""
                match_joined, by_group = state.by_character.get(character) or state.at(character)
                match = match_joined(text, pos)
                rule = by_group[match.lastindex] if match else None
            if rule is None:
                if pos >= end:
                    return
                if text[pos] == "\n":  # at the end of a line Pygments starts afresh
                    stack = ["root"]
                    state = self._state("root")
                    yield pos, Whitespace, "\n"
                else:
                    yield pos, Error, text[pos]
                pos += 1
                continue
            matcher, action, new_state = rule
            if action is not None:
                if type(action) is _TokenType:
                    yield pos, action, match.group()
                else:
                    yield from action(self, matcher(text, pos))
            pos = match.end()
            if new_state is not None:
                _change(stack, new_state)
                state = self._state(stack[-1])


def _change(stack: list[str], new_state) -> None:
    """Apply a rule's state change: push names, `#pop`, `#push`, or pop a number of states."""
    if isinstance(new_state, tuple):
        for state in new_state:
            if state == "#pop":
                if len(stack) > 1:
                    stack.pop()
            elif state == "#push":
                stack.append(stack[-1])
            else:
                stack.append(state)
    elif isinstance(new_state, int):  # pop that many, but keep the bottom state
        del stack[new_state if abs(new_state) < len(stack) else 1:]
    elif new_state == "#push":
        stack.append(stack[-1])
