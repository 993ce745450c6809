"""
# Reviewing in the terminal

`site-gen translate review` walks the units of a table whose translation
awaits review (the English changed since, or the translation was offered from
another page). For each it shows how the English changed, word by word
(`[-old-]{+new+}`), beside the translation, and asks: accept it as it is, edit
it, skip it for now, or quit. In: a table path, the page's units and two
callables to ask and to tell; out: the table and its review file, rewritten
only if something was decided.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Callable

from .translate import load_table, refuse_duplicates, write_if_changed, write_review

PROMPT = "[a]ccept, [e]dit, [s]kip, [q]uit? "
END_OF_EDIT = "."


def word_diff(old: str, new: str) -> str:
    """`new` with the words removed from `old` as `[-…-]` and the words added as `{+…+}`."""
    before, after = old.split(), new.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            out += after[j1:j2]
            continue
        if i2 > i1:
            out.append("[-" + " ".join(before[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(after[j1:j2]) + "+}")
    return " ".join(out)


def review_table(path: Path, units: list[str], name: str, ask: Callable[[str], str],
                 say: Callable[[str], None]) -> str | None:
    """Review one table's waiting units; returns "quit" if the translator asked to stop."""
    table = load_table(path)
    refuse_duplicates(table)
    entries, review = dict(table.entries), dict(table.review)
    outcome = None
    try:
        for unit in units:
            key = table.key(unit)
            if key is None or key not in review:
                continue
            line = table.positions[key].key[0] if key in table.positions else 1
            say(f"\n── {name}  ({path}:{line})")
            say("English: " + (word_diff(review[key], key) if review[key] != key else key))
            say("Translation: " + entries[key])
            answer = _answer(ask)
            if answer == "q":
                outcome = "quit"
                break
            if answer == "e":
                say(f"New translation (end with a line holding only {END_OF_EDIT!r}):")
                entries[key] = _read_lines(ask)
            if answer in "ae":
                del review[key]
    except EOFError:
        outcome = "quit"  # input closed: keep what was decided so far
    finally:
        write_if_changed(path, entries)
        write_review(path, review, entries)
    return outcome


def _answer(ask: Callable[[str], str]) -> str:
    while True:
        answer = ask(PROMPT).strip().lower()[:1]
        if answer in ("a", "e", "s", "q"):
            return answer


def _read_lines(ask: Callable[[str], str]) -> str:
    lines = []
    while (line := ask("")) != END_OF_EDIT:
        lines.append(line)
    return "\n".join(lines)
