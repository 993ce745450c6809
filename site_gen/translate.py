"""
# Translation tables

Translations are written by people, in JSON files that mirror the sources:
`translations/ja/optimizers/adam.json` holds the Japanese of
`labml_nn/optimizers/adam.py`. Each file is one flat object whose keys are the
exact English Markdown of the page's *units* and whose values are their
translations (`""` while not translated yet):

```json
{
  "Adam optimizer": "Adam オプティマイザ",
  "## The algorithm": "## アルゴリズム"
}
```

A unit is one Markdown block of prose (a paragraph, a heading, a list, a
table, a display equation with its text), plus the page's title and summary.
Editing one English paragraph therefore stales only that paragraph.

This module loads, looks up, validates and updates tables; it renders nothing.
Whatever it writes, it writes whole (a temporary file renamed into place), and
it never drops a translation unless asked to: units whose English disappeared
move to `*.obsolete.json` beside the table (and come back if the English does),
and a unit whose English changed only slightly keeps its old translation in
the table, while `*.review.json` records the English it was made from (and the
translation as it was) until a translator confirms it, in `review`, by
unticking fuzzy in a PO file, or by editing the translation. Until then the
page shows the English: a stale translation is never published as current.
Units are matched without their layout, so a reflowed paragraph is unchanged.
"""

from __future__ import annotations

import ast
import difflib
import json
import os
import re
import tempfile
from bisect import bisect_right
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import cache as once, cached_property, lru_cache
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable

from .cache import Remember, digest, recompute
from .grammar import blocks, headings, tokenize, words
from .model import Problem
from .split import PARSE_ERRORS, parse_tree

UI_TABLE = "_ui.json"
# Interface strings the generator uses outside its templates
HOME = "Home"
UNTRANSLATED_NOTICE = "Not translated yet; shown in English."
STALE_NOTICE = "The English changed since this was translated; shown in English until the translation is updated."
PERMALINK = "Link to this section"
# Strings the page script shows, by the key it uses
SCRIPT_STRINGS = {
    "copy": "Copy",
    "copied": "Copied",
    "noResults": "No results",
    "results": "%(count)s results",
    "close": "Close",
    "enlarge": "Enlarge figure",
    "darkTheme": "Dark theme",
    "lightTheme": "Light theme",
    "moreResults": "Showing the first %(shown)s",
}
# Open Graph wants a locale (`ja_JP`), not a language; languages not listed here are passed as they are
OG_LOCALES = {"en": "en_US", "ja": "ja_JP", "zh": "zh_CN", "ko": "ko_KR", "fr": "fr_FR", "de": "de_DE", "es": "es_ES"}


def og_locale(lang: str) -> str:
    return OG_LOCALES.get(lang, lang.replace("-", "_"))


CODE_STRINGS = (HOME, UNTRANSLATED_NOTICE, STALE_NOTICE, PERMALINK, *SCRIPT_STRINGS.values())
# How similar a changed English unit must be to keep its old translation for review
REVIEW_SIMILARITY = 0.75
# How similar an English unit must be to one translated elsewhere to be offered its translation
MEMORY_SIMILARITY = 0.8




class TableError(Exception):
    """A table that cannot be used, located by file, line and column."""

    def __init__(self, path: Path, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.problem = Problem(str(path), line, message, column)


# ## Units
#
# Prose is cut at blank lines, except inside a fenced code block, a display
# equation or a comment, which stay whole whatever blank lines they contain
# (see [the grammar](grammar.py)).

def split_units(markdown: str) -> list[str]:
    return list(_split_units(markdown))


@lru_cache(maxsize=4096)
def _split_units(markdown: str) -> tuple[str, ...]:
    """Remembered: a page's English is split again for each language it is translated into."""
    return tuple(unit.strip("\n") for unit in blocks(markdown.strip("\n")) if unit.strip())


def page_units(title: str, summary: str, docs: Iterable[str]) -> list[str]:
    """Every unit of a page that has words to translate, in page order, without repeats."""
    seen: dict[str, None] = {}
    for unit in [title, summary, *(u for doc in docs for u in split_units(doc))]:
        if unit.strip() and has_words(unit):
            seen.setdefault(unit, None)
    return list(seen)


def units_of(document) -> list[str]:
    """
    The units of a gathered document (anything with `title`, `summary`,
    `sections` and `text`), then the strings its code marks with `_("…")`,
    as gettext does: text the code draws itself, such as a figure's labels.
    """
    units = page_units(document.title, document.summary, (s.doc for s in document.sections))
    marked = [text for text, _ in marked_strings(document.text)] if document.source.kind == "python" else []
    return list(dict.fromkeys(units + [text for text in marked if has_words(text)]))


def marked_strings(python: str) -> list[tuple[str, int]]:
    """`(string, line)` of each `_("…")` call with one literal string, in source order."""
    try:
        tree = parse_tree(python)  # as the splitter parses: the documented code's invalid escapes are not ours to warn of
    except PARSE_ERRORS:
        return []  # the page reports why it does not parse; its prose is still translatable
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
             and node.func.id == "_" and len(node.args) == 1 and not node.keywords
             and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)]
    return sorted(((call.args[0].value, call.lineno) for call in calls), key=lambda found: found[1])


@lru_cache(maxsize=8192)
def has_words(unit: str) -> bool:
    """False for a unit that is only formulas or code, which is the same in every language."""
    return any(c.isalpha() for c in words(unit))


# ## Layout
#
# A reflowed paragraph is not a changed one: units are matched, and formulas
# and code compared, with each run of spaces and line breaks inside a block
# read as one space. Line breaks that start a block (a list item, a heading,
# a table row, a quote, a fence) and the lines of a code block are kept, so a
# list is never taken for a paragraph.

# Where a line break means something in Markdown: a list item, a heading, a table row, a quote
_BLOCK_START = re.compile(r"[ \t]*(?:[-*+][ \t]|\d+[.)][ \t]|#|\||>)")


@lru_cache(maxsize=8192)  # every language's table of a page has the same English keys
def normalise(unit: str) -> str:
    """`unit` with its layout taken out: equal for two units that differ only by reflow."""
    parts, run = [], []
    for token in tokenize(unit.strip()):
        if token.kind in ("fence", "doctest"):  # code keeps its layout
            parts += [_reflow("".join(run)), token.text]
            run = []
        elif token.kind == "math":
            run.append(tex_spacing_removed(token.text))
        else:
            run.append(token.text)
    return "".join(parts + [_reflow("".join(run))])


# A control word (`\beta`), a control symbol (`\,`, `\ `, a backslash and a line break), a run of
# spaces, or any other character
_TEX_TOKEN = re.compile(r"\\[A-Za-z]+|\\\n|\\.|\s+|.", re.DOTALL)


def tex_spacing_removed(tex: str) -> str:
    """
    TeX with the spaces that change nothing taken out: `(1 - \\beta_1^t)\\, g`
    and `(1-\\beta_1^t)\\,g` come out the same. Spacing commands (`\\,`, `\\ `)
    stay, a space after a control word stays as one where a letter follows
    (`\\alpha x` is not `\\alphax`), and text inside `\\text{…}` keeps its spaces.
    """
    out: list[str] = []
    tokens = _TEX_TOKEN.findall(tex)
    text_depth = 0  # brace depth inside `\\text{…}`, where spaces are words' separators
    for index, token in enumerate(tokens):
        previous = out[-1] if out else ""
        if text_depth:
            text_depth += {"{": 1, "}": -1}.get(token, 0)
            out.append(" " if token.isspace() else token)
        elif token.isspace():
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            if re.fullmatch(r"\\[A-Za-z]+", previous) and following[:1].isalpha():
                out.append(" ")
        else:
            if token == "{" and re.fullmatch(r"\\(?:text[a-z]*|mbox)", previous):
                text_depth = 1
            out.append("\\ " if token == "\\\n" else token)
    return "".join(out)


def _reflow(text: str) -> str:
    lines: list[str] = []
    for number, line in enumerate(text.split("\n")):
        if number == 0:
            lines.append(re.sub(r"[ \t]+", " ", line))
        elif not line.strip():
            lines.append("")
        elif not lines[-1].strip() or _BLOCK_START.match(line):
            lines.append(line[: len(line) - len(line.lstrip())] + " ".join(line.split()))
        else:
            lines[-1] = lines[-1].rstrip() + " " + " ".join(line.split())
    return "\n".join(lines)


# ## Loading

@dataclass(frozen=True)
class Position:
    """Where one entry of a table is written: its key and its value (1-based line and column)."""

    key: tuple[int, int]
    value: tuple[int, int]
    value_offset: int  # offset of the value's opening quote in the file


@dataclass
class Table:
    """One language's translations of one page (or of the interface)."""

    path: Path
    entries: dict[str, str] = field(default_factory=dict)
    review: dict[str, str] = field(default_factory=dict)  # English now → English the translation was made for
    held: dict[str, str] = field(default_factory=dict)  # English now → the translation as it was when sent to review
    positions: dict[str, Position] = field(default_factory=dict)
    # Keys written twice: (key, (line, column) of the first, (line, column) of the second)
    duplicates: list[tuple[str, tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    text: str = ""  # the file as read, for positions inside values
    _layout: dict[str, str] | None = field(default=None, init=False, repr=False, compare=False)

    def key(self, unit: str) -> str | None:
        """The table's key for `unit`: written exactly so, or the same but for layout."""
        if unit in self.entries:
            return unit
        return self._by_layout().get(normalise(unit))

    def get(self, unit: str) -> str | None:
        """
        The translation to publish for `unit`, or `None`: never one made for
        English that has changed since, until a translator confirms it.
        """
        key = self.key(unit)
        if key is None or key in self.review:
            return None
        return self.entries[key] or None

    def stale(self, unit: str) -> bool:
        """True for a unit whose translation waits for review after its English changed."""
        key = self.key(unit)
        return key is not None and key in self.review and bool(self.entries[key])

    needs_review = stale

    def locate(self, needle: str) -> tuple[int, int]:
        """Line and column of the first translation that contains `needle` (for problems found rendering it)."""
        needle = next((part.strip() for part in needle.split("\n") if part.strip()), "")
        for english, translation in self.entries.items():
            if needle and needle in translation and english in self.positions:
                return self.positions[english].value
        return 1, 1

    def _by_layout(self) -> dict[str, str]:
        if self._layout is None:
            self._layout = {}
            for key in self.entries:
                self._layout.setdefault(normalise(key), key)
        return self._layout


def table_path(folder: Path, lang: str, rel: PurePosixPath) -> Path:
    """`optimizers/adam.py` → `translations/ja/optimizers/adam.json`."""
    return folder / lang / rel.with_suffix(".json")


def sidecar(path: Path, kind: str) -> Path:
    return path.with_name(f"{path.stem}.{kind}.json")


@lru_cache(maxsize=1024)  # the plan and the audit each ask for every table's
def table_digest(read: TableText) -> str:
    """A table as read (text, review list, error), in one hash: what checks remembered of it are keyed by."""
    return read.fingerprint


def load_table(path: Path) -> Table:
    """Read a table and its review list; a missing table is an empty one."""
    return parse_table(read_table(path))


@dataclass(frozen=True)
class TableText:
    """
    A table and its review list as read from disk: what a page's task carries,
    so that rendering parses it (and finds its problems) without reading anything.
    """

    path: str
    text: str = ""
    review: str = ""
    error: tuple[str, int, int, str] | None = None  # unreadable: (file, line, column, message)

    @cached_property
    def fingerprint(self) -> str:
        """`table_digest`: made once, though the plan, each task's key and the audit all ask for it."""
        return digest(json.dumps(asdict(self), ensure_ascii=False))


def read_table(path: Path) -> TableText:
    try:
        return TableText(str(path), _read(path), _read(sidecar(path, "review")))
    except TableError as error:
        problem = error.problem
        return TableText(str(path), error=(problem.path, problem.line, problem.column, problem.message))


def parse_table(read: TableText) -> Table:
    """The table `read` holds; raises `TableError` for one that cannot be used."""
    if read.error is not None:
        file, line, column, message = read.error
        raise TableError(Path(file), line, column, message)
    path = Path(read.path)
    entries, positions, duplicates = _parse(path, read.text)
    review, held = _parse_review(sidecar(path, "review"), read.review)
    for english in [e for e in review if e in held and e in entries and entries[e] != held[e]]:
        del review[english], held[english]  # the translator edited it: that is their confirmation
    return Table(path, entries, review, held, positions, duplicates, read.text)


def usable_table(read: TableText) -> tuple[Table, list[Problem]]:
    """The table, or an empty one and the problem that makes it unusable (its units are shown in English)."""
    try:
        return parse_table(read), []
    except TableError as error:
        return Table(Path(read.path)), [error.problem]


def _parse_review(path: Path, text: str) -> tuple[dict[str, str], dict[str, str]]:
    """
    A review file: English now → `{"from": English the translation was made
    for, "translation": the translation as it was then}` (or just the English
    it was made for, as older files have it).
    """
    if not text:
        return {}, {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise TableError(path, error.lineno, error.colno, f"not valid JSON: {error.msg}") from None
    review, held = {}, {}
    for english, value in data.items() if isinstance(data, dict) else [(None, None)]:
        if isinstance(value, dict) and isinstance(value.get("from"), str) and isinstance(value.get("translation"), str):
            review[english], held[english] = value["from"], value["translation"]
        elif isinstance(value, str) and english is not None:
            review[english] = value
        else:
            raise TableError(path, 1, 1, "a review file must map each English unit to "
                                         '{"from": English, "translation": translation}')
    return review, held


def write_review(path: Path, review: dict[str, str], entries: dict[str, str]) -> bool:
    """
    Write the review file of the table at `path` (removed when nothing awaits
    review), holding each unit's translation as it is now: a later edit to it
    is the translator's confirmation.
    """
    try:
        written = json.loads(_read(sidecar(path, "review")) or "{}")
    except (TableError, ValueError):
        written = {}
    written = written if isinstance(written, dict) else {}
    return write_if_changed(sidecar(path, "review"), {
        # an entry written as just the English (by hand, or an older version) stays as it is
        english: made_from if written.get(english) == made_from else {"from": made_from, "translation": entries[english]}
        for english, made_from in review.items()}, remove_when_empty=True)


def load_object(path: Path) -> dict[str, str]:
    """A plain English → text object (a review or obsolete file); missing is empty."""
    return _parse(path, _read(path))[0]


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8-sig")  # editors on Windows may start the file with a byte order mark
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as error:
        raise TableError(path, 1, 1, f"cannot read translation table: {error}") from None


def _parse(path: Path, text: str) -> tuple[dict[str, str], dict[str, Position], list]:
    if not text:
        return {}, {}, []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise TableError(path, error.lineno, error.colno, f"not valid JSON: {error.msg}") from None
    if not isinstance(data, dict):
        raise TableError(path, 1, 1, "a translation table must be a JSON object of English → translation")
    positions: dict[str, Position] = {}
    duplicates = []
    line_column = _line_columns(text)
    for key, value, key_at, value_at in _members(text):
        if not isinstance(value, str):
            line, column = line_column(value_at)
            raise TableError(path, line, column, f"the translation of {key[:40]!r} must be a string")
        where = Position(line_column(key_at), line_column(value_at), value_at)
        if key in positions:
            duplicates.append((key, positions[key].key, where.key))
        positions[key] = where
    return data, positions, duplicates


_SPACE = re.compile(r"[ \t\n\r]*")


def _members(text: str) -> Iterable[tuple[str, object, int, int]]:
    """The members of a valid JSON object, each with the offsets of its key and value, duplicates included."""
    decoder = json.JSONDecoder()
    at = _SPACE.match(text, 0).end() + 1  # past "{"
    while True:
        at = _SPACE.match(text, at).end()
        if text[at] == "}":
            return
        key_at = at
        key, at = json.decoder.scanstring(text, at + 1)
        at = _SPACE.match(text, at).end() + 1  # past ":"
        value_at = _SPACE.match(text, at).end()
        value, at = decoder.raw_decode(text, value_at)
        yield key, value, key_at, value_at
        at = _SPACE.match(text, at).end()
        if text[at] == ",":
            at += 1


def _line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _line_columns(text: str) -> Callable[[int], tuple[int, int]]:
    """`_line_column` for many offsets of one text: where its lines start is found once."""
    starts = [0, *(match.end() for match in re.finditer("\n", text))]

    def line_column(offset: int) -> tuple[int, int]:
        line = bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    return line_column


# ## Writing

def dump(entries: dict[str, str]) -> str:
    """UTF-8 as written (no `\\u` escapes), indented, in the given order."""
    return json.dumps(entries, ensure_ascii=False, indent=2) + "\n"


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass
class UpdateResult:
    added: int = 0
    kept: int = 0
    review: int = 0
    restored: int = 0
    obsolete: int = 0
    changed: bool = False
    drawn: list[str] = field(default_factory=list)  # English taken from `moved`


def update_table(path: Path, units: list[str], prune: bool = False, memory: dict[str, str] | None = None,
                 moved: dict[str, str] | None = None) -> UpdateResult:
    """
    Make the table at `path` list exactly `units`, in order, keeping every
    translation: kept when only the layout of its English changed, restored
    when its English comes back word for word, reused for review when the
    English changed a little, or moved to the obsolete file when the English is
    gone. A new unit whose English (or nearly) is translated elsewhere, as
    `memory` (English → translation) says, is pre-filled for review. One
    whose English is word for word in `moved` (the confirmed translations of
    tables whose source is gone, as after a rename) takes it back unmarked.
    """
    table = load_table(path)  # raises TableError: a broken table is never overwritten
    refuse_duplicates(table)
    obsolete_path = sidecar(path, "obsolete")
    obsolete = load_object(obsolete_path)
    result = UpdateResult()
    entries: dict[str, str] = {}
    review: dict[str, str] = {}
    used = {key for unit in units if (key := table.key(unit)) is not None}
    vanished = {k: v for k, v in table.entries.items() if k not in used and v}
    obsolete_by_layout = {normalise(k): k for k in obsolete}
    moved_by_layout = {normalise(k): k for k in moved or {}}

    for unit in units:
        key = table.key(unit)
        if key is not None:
            entries[unit] = table.entries[key]
            if key in table.review:
                review[unit] = table.review[key]
            result.kept += 1
        elif (restored := obsolete_by_layout.pop(normalise(unit), None)) in obsolete:
            # popped: two units equal but for layout (a title and its heading) restore it once
            entries[unit] = obsolete.pop(restored)
            result.restored += 1
        elif (found := moved_by_layout.get(normalise(unit))) is not None:
            entries[unit] = moved[found]
            result.restored += 1
            result.drawn.append(found)
        elif (match := _closest(unit, vanished, REVIEW_SIMILARITY) or _closest(unit, obsolete, REVIEW_SIMILARITY)):
            entries[unit] = vanished.pop(match, None) or obsolete.pop(match)
            # The English the translation was made from, however often it changed since, until confirmed
            made_from = table.review.get(match, match)
            if normalise(made_from) != normalise(unit):
                review[unit] = made_from
                result.review += 1
            else:
                result.restored += 1
        elif (memory or moved) and (match := _remembered(unit, {**(moved or {}), **(memory or {})})):
            entries[unit] = (memory or {}).get(match) or moved[match]
            review[unit] = match
            result.review += 1
            if match in (moved or {}):
                result.drawn.append(match)
        else:
            entries[unit] = ""
            result.added += 1

    if list(entries) != list(table.entries) and set(entries) == set(table.entries):
        entries = {key: entries[key] for key in table.entries}  # same units: keep the file's order, a clean tree stays clean
        review = {key: review[key] for key in entries if key in review}
    if not prune:
        # Units awaiting review last: a translation of exactly its English has the first claim to that key
        for english, translation in sorted(vanished.items(), key=lambda item: item[0] in table.review):
            # Kept under the English it was made from, so that only that English brings it back unmarked;
            # never over another translation (two units can share the English they were made from)
            made_from = table.review.get(english, english)
            free = (key for key in (made_from, english, *(f"{english} ({n})" for n in range(2, len(obsolete) + 3)))
                    if obsolete.get(key, translation) == translation)
            obsolete[next(free)] = translation
        result.obsolete = len(vanished)
    result.changed = write_if_changed(path, entries)
    result.changed |= write_review(path, review, entries)
    result.changed |= write_if_changed(obsolete_path, obsolete, remove_when_empty=True)
    return result


def refuse_duplicates(table: Table) -> None:
    """Raise `TableError` for a table with a key written twice: rewriting it would lose a translation."""
    if table.duplicates:
        key, first, second = table.duplicates[0]
        raise TableError(table.path, *second, f"{key[:40]!r} is written twice ({_both(first, second)}); "
                                                "keep one, so that no translation is lost")


def _both(first: tuple[int, int], second: tuple[int, int]) -> str:
    """`lines 3 and 7`, or `line 1, columns 2 and 19` for a table written on one line."""
    if first[0] == second[0]:
        return f"line {first[0]}, columns {first[1]} and {second[1]}"
    return f"lines {first[0]} and {second[0]}"


def translation_memory(tables: Iterable[Table]) -> dict[str, str]:
    """English → confirmed translation, over the given tables (the first translation wins)."""
    memory: dict[str, str] = {}
    for table in tables:
        for english, translation in table.entries.items():
            if translation and english not in table.review:
                memory.setdefault(english, translation)
    return memory


def _remembered(unit: str, memory: dict[str, str]) -> str | None:
    """The English in `memory` equal to `unit` but for layout, or else the nearest one."""
    wanted = normalise(unit)
    exact = next((english for english in memory if normalise(english) == wanted), None)
    return exact or _closest(unit, memory, MEMORY_SIMILARITY)


def _closest(unit: str, candidates: dict[str, str], threshold: float) -> str | None:
    best, best_ratio = None, threshold
    for english in candidates:
        matcher = difflib.SequenceMatcher(None, unit, english, autojunk=False)
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio >= best_ratio:
            best, best_ratio = english, ratio
    return best


def write_if_changed(path: Path, entries: dict[str, object], remove_when_empty: bool = False) -> bool:
    """Write `entries` as a table unless the file already holds exactly them (same order)."""
    if remove_when_empty and not entries:
        if path.exists():
            path.unlink()
            return True
        return False
    if path.exists():
        try:
            if list(json.loads(_read(path)).items()) == list(entries.items()):
                return False
        except (TableError, ValueError, AttributeError):
            pass
    write_atomically(path, dump(entries))
    return True


# ## Checking
#
# A translation must carry the same formulas, inline code and link targets as
# its English, as multisets, compared without their layout; the same heading
# levels and list structure; no control characters (`"\beta"` in JSON is a
# backspace and `eta`); and, in the interface table, the same `%(name)s`
# placeholders. `inventory` is given by the caller (it renders the Markdown to
# find them exactly as the build would). Every problem is reported where the
# value is written.

Inventory = Callable[[str], Counter]
PLACEHOLDER = re.compile(r"%\(\w+\)s")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def check_table(table: Table, inventory: Inventory, raw_html_ok: Callable[[str], list[str]],
                interface: bool = False) -> list[Problem]:
    problems = [Problem(str(table.path), second[0], f"{key[:50]!r} is written twice, at {_both(first, second)}: "
                                                    "the last one wins and the other translation is lost", second[1])
                for key, first, second in table.duplicates]
    for english, translation in table.entries.items():
        if not translation:
            continue
        messages = _control_characters(translation)
        if interface:
            if (problem := placeholder_problem(english, translation)) is not None:
                messages.append(f"{problem} (the English is shown instead)")
        else:
            (expected, written), (found, written_too) = _squashed(inventory(english)), _squashed(inventory(translation))
            messages += [f"translation lacks {kind} {written[kind, value]!r} of the English"
                         for kind, value in sorted(expected - found)]
            messages += [f"translation has {kind} {written_too[kind, value]!r} that the English does not"
                         for kind, value in sorted(found - expected)]
            messages += [f"raw HTML outside the allowlist: {fragment[:60]!r}" for fragment in raw_html_ok(translation)]
            messages += _structure(english, translation)
            if translation == english and len(_words(english)) > 1:
                messages.append("translation is identical to the English")
        problems.extend(_at_value(table, english, message) for message in messages)
    return problems


def _at_value(table: Table, english: str, message: str) -> Problem:
    where = table.positions.get(english)
    line, column = where.value if where else (1, 1)
    if where and message.startswith("control character"):
        # Point at the escape itself, inside the value
        offset = _raw_escape_offset(table.text, where.value_offset)
        line, column = _line_column(table.text, offset)
    return Problem(str(table.path), line, message, column)


def _control_characters(translation: str) -> list[str]:
    messages = []
    for character in sorted(set(_CONTROL.findall(translation))):
        message = f"control character {json.dumps(character)} in the translation"
        if character == "\b":
            message += r': "\b" in JSON is a backspace, so "\beta" is a backspace and "eta"; write "\\beta"'
        elif character == "\f":
            message += r': "\f" in JSON is a form feed, so "\frac" is a form feed and "rac"; write "\\frac"'
        messages.append(message)
    return messages


def _raw_escape_offset(text: str, value_at: int) -> int:
    """Offset of the first escape in the JSON string at `value_at` that decodes to a control character."""
    at = value_at + 1
    while at < len(text) and text[at] != '"':
        if text[at] == "\\":
            escape = text[at + 1]
            if escape in "bf" or (escape == "u" and _CONTROL.match(chr(int(text[at + 2:at + 6], 16)))):
                return at
            at += 2
        else:
            at += 1
    return value_at


def _squashed(counter: Counter) -> tuple[Counter, dict[tuple[str, str], str]]:
    """The inventory compared without what does not matter, and each compared item as it was written."""
    squashed: Counter = Counter()
    written: dict[tuple[str, str], str] = {}
    for (kind, value), n in counter.items():
        if kind == "formula":
            same = tex_spacing_removed(value)
        elif kind == "link":
            same = _PAGE_SUFFIX.sub("", value.strip())  # `other` and `other.py` are the same page
        else:
            same = value
        squashed[(kind, " ".join(same.split()))] += n
        written.setdefault((kind, " ".join(same.split())), value)
    return squashed, written


# The suffix of a link to a page of the site, before its query or fragment
_PAGE_SUFFIX = re.compile(r"(?<=[^/.])\.(?:py|md|html)(?=$|[?#])")


def _words(unit: str) -> list[str]:
    return [w for w in words(unit).split() if any(c.isalpha() for c in w)]


_LIST_ITEM = re.compile(r"^([ \t]*)([-*+]|\d+[.)])[ \t]", re.MULTILINE)


def outline(unit: str) -> list[str]:
    """
    The block structure of a unit, outside code and formulas: its headings'
    levels, then its list items' depths and kinds.
    """
    levels = ["#" * level for level, _ in headings(unit)]
    items = [f"{len(indent.expandtabs(4)) // 2}:{'1.' if marker[0].isdigit() else '-'}"
             for indent, marker in _LIST_ITEM.findall(words(unit))]
    return levels + items


def _structure(english: str, translation: str) -> list[str]:
    want, have = outline(english), outline(translation)
    if want == have:
        return []
    levels = lambda shape: [s for s in shape if s.startswith("#")]
    if levels(want) != levels(have):
        return [f"heading level differs: the English has {' '.join(levels(want)) or 'no heading'}, "
                f"the translation {' '.join(levels(have)) or 'no heading'}"]
    items = lambda shape: [s for s in shape if not s.startswith("#")]
    return [f"list structure differs: the English has {len(items(want))} list items, "
            f"the translation {len(items(have))} (or at other depths or kinds)"]


def stale_units(table: Table, units: Iterable[str]) -> list[str]:
    """The units of a page whose translation awaits review: shown in English until confirmed."""
    return [unit for unit in units if table.stale(unit)]


def placeholder_problem(english: str, translation: str) -> str | None:
    """Why an interface translation cannot be filled in as its English is (`%(name)s`), or `None`."""
    names = sorted(PLACEHOLDER.findall(english))
    if names != sorted(PLACEHOLDER.findall(translation)):
        return f"placeholders of {english!r} differ in its translation"
    if not names:
        return None  # not a format string (as gettext): a `%` is just a percent sign
    try:
        translation % {name[2:-2]: 0 for name in names}
    except (KeyError, ValueError, TypeError):
        return f"the translation of {english!r} has a stray %: write %% for a percent sign"
    return None


def interface_gettext(table: Table) -> Callable[[str], str]:
    """
    The interface string for an English one: its translation, or the English
    when the translation's placeholders are broken (a typo must not crash a page).
    """
    def gettext(english: str) -> str:
        translation = table.get(english)
        if not translation or _CONTROL.search(translation) or placeholder_problem(english, translation):
            return english
        return translation
    return gettext


# ## Auditing a language
#
# What `translate check` and every build run: each table of a language checked
# against the pages it translates, and the units awaiting review named.

@dataclass
class Audit:
    problems: list[Problem] = field(default_factory=list)
    # Units shown in English because their translation awaits review: (table, line, column, English)
    stale: list[tuple[Path, int, int, str]] = field(default_factory=list)

    def notes(self) -> list[str]:
        return [f"{path}:{line}:{column}: awaiting an updated translation, shown in English: {excerpt(english)}"
                for path, line, column, english in self.stale]

    def to_json(self) -> dict:
        return {"problems": [[p.path, p.line, p.message, p.column] for p in self.problems],
                "stale": [[str(path), line, column, english] for path, line, column, english in self.stale]}

    @classmethod
    def from_json(cls, data: dict) -> Audit:
        """The audit `to_json` gave; `TypeError` or `ValueError` for anything else."""
        problems = [Problem(*p) for p in data["problems"]]
        stale = [(Path(path), line, column, english) for path, line, column, english in data["stale"]]
        if not all(isinstance(p.path, str) and isinstance(p.message, str) for p in problems) or \
                not all(isinstance(english, str) for *_, english in stale):
            raise ValueError("not an audit")
        return cls(problems, stale)


def audit(folder: Path, lang: str, pages: dict[PurePosixPath, list[str]], inventory: Inventory,
          raw_html_ok: Callable[[str], list[str]],
          remember: Remember = recompute, read: Callable[[Path], TableText] = read_table) -> Audit:
    """
    Check every table of `lang` under `folder`; `pages` gives each translated
    source's units. The checks of a table's translations depend only on the
    table as read; those against its page (keys no unit has, units awaiting
    review), on the table, its review list and the page's units. Each is
    handed to `remember` with those inputs, so that a build can re-check
    only the tables (and pages) that changed.
    """
    result = Audit()
    root = folder / lang
    expected = {rel.with_suffix(".json").as_posix(): units for rel, units in pages.items()}
    for path in sorted(root.rglob("*.json")) if root.is_dir() else []:
        if path.name.endswith((".obsolete.json", ".review.json")):
            continue
        rel = path.relative_to(root).as_posix()
        text, interface, units = read(path), rel == UI_TABLE, expected.get(rel)
        parsed = once(lambda: parse_table(text))  # parsed only if a check is not remembered
        found = [remember("audit", json.dumps(["translations", table_digest(text), interface]),
                          lambda: _usable(parsed, lambda table: Audit(check_table(table, inventory, raw_html_ok,
                                                                                  interface)), broken=True),
                          Audit.to_json, Audit.from_json)]
        if not interface:
            page = remember("audit", json.dumps(["page", table_digest(text), units], ensure_ascii=False),
                            lambda: _usable(parsed, lambda table: _against_page(table, units)),
                            Audit.to_json, Audit.from_json)
            found.insert(0 if units is None else 1, page)  # a table with no page says so first
        for part in found:
            result.problems += part.problems
            result.stale += part.stale
    return result


def _usable(parsed: Callable[[], Table], check: Callable[[Table], Audit], broken: bool = False) -> Audit:
    """`check` of the table, or for a table that cannot be used, its problem (if `broken`) and nothing else."""
    try:
        table = parsed()
    except TableError as error:
        return Audit([error.problem] if broken else [])
    return check(table)


def _against_page(table: Table, units: list[str] | None) -> Audit:
    """A table checked against its page's `units` (`None`: no source has this table)."""
    if units is None:
        return Audit([Problem(str(table.path), 1, "no source file has this table's path", 1)])
    result = Audit(unmatched_keys(table, units))
    for unit in stale_units(table, units):
        where = table.positions.get(table.key(unit) or unit)
        line, column = where.key if where else (1, 1)
        result.stale.append((table.path, line, column, unit))
    return result


def unmatched_keys(table: Table, units: list[str]) -> list[Problem]:
    """A key no English unit of the page has (mistyped, or its English changed), with the closest unit as a hint."""
    used = {table.key(unit) for unit in units}
    problems = []
    for key in table.entries:
        if key in used:
            continue
        line, column = table.positions[key].key if key in table.positions else (1, 1)
        closest = _most_like(key, units)
        hint = f"; closest English: {excerpt(closest)}" if closest else ""
        problems.append(Problem(str(table.path), line, f"{excerpt(key)} matches no English unit of the page "
                                f"(mistyped, or the English changed: run `site-gen translate update`){hint}", column))
    return problems


def _most_like(key: str, units: list[str]) -> str | None:
    """
    The first of the units most like `key`. Each unit's cheap bound (`quick_ratio`,
    the same whichever way round, so one matcher of `key` gives them all) ranks
    it; the ratio is computed, best bounds first, only while a bound could still
    beat (or, for an earlier unit, tie) the best so far.
    """
    bounds = difflib.SequenceMatcher(None, autojunk=False)
    bounds.set_seq2(key)
    ranked = []
    for index, unit in enumerate(units):
        bounds.set_seq1(unit)
        ranked.append((-bounds.quick_ratio(), index, unit))
    best, best_ratio, best_index = None, -1.0, len(units)
    for negated, index, unit in sorted(ranked):
        if -negated < best_ratio:
            break  # no unit after this one can reach the best
        if -negated == best_ratio and index > best_index:
            continue  # could only tie with an earlier unit
        ratio = difflib.SequenceMatcher(None, key, unit, autojunk=False).ratio()
        if ratio > best_ratio or (ratio == best_ratio and index < best_index):
            best, best_ratio, best_index = unit, ratio, index
    return best


def excerpt(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= width else flat[: width - 1] + "…")
