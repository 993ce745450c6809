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
move to `*.obsolete.json` beside the table, and a unit whose English changed
only slightly keeps its old translation, listed in `*.review.json` until a
translator has looked at it.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable

from .model import Problem

UI_TABLE = "_ui.json"
# Interface strings the generator uses outside its templates
HOME = "Home"
UNTRANSLATED_NOTICE = "Not translated yet; shown in English."
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
CODE_STRINGS = (HOME, UNTRANSLATED_NOTICE, PERMALINK, *SCRIPT_STRINGS.values())
# How similar a changed English unit must be to keep its old translation for review
REVIEW_SIMILARITY = 0.75

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_BLANK = re.compile(r"\n[ \t]*\n")


class TableError(Exception):
    """A table that cannot be used, located by file, line and column."""

    def __init__(self, path: Path, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.problem = Problem(str(path), line, f"{message} (column {column})")


# ## Units
#
# Prose is cut at blank lines, except inside a fenced code block or a display
# equation, which stay whole whatever blank lines they contain.

def split_units(markdown: str) -> list[str]:
    units: list[str] = []
    pending: list[str] = []
    for chunk in _BLANK.split(markdown.strip("\n")):
        pending.append(chunk)
        text = "\n\n".join(pending)
        if not _is_open(text):
            units.append(text.strip("\n"))
            pending = []
    if pending:
        units.append("\n\n".join(pending).strip("\n"))
    return [u for u in units if u.strip()]


def _is_open(text: str) -> bool:
    """True while a code fence, `$$` or `\\begin{…}` is still waiting for its end."""
    fences = sum(1 for line in text.split("\n") if _FENCE.match(line))
    if fences % 2:
        return True
    outside_code = re.sub(r"`+[^`]*`+", "", text)
    if outside_code.count("$$") % 2:
        return True
    return len(re.findall(r"\\begin\{", outside_code)) > len(re.findall(r"\\end\{", outside_code))


def page_units(title: str, summary: str, docs: Iterable[str]) -> list[str]:
    """Every unit of a page that has words to translate, in page order, without repeats."""
    seen: dict[str, None] = {}
    for unit in [title, summary, *(u for doc in docs for u in split_units(doc))]:
        if unit.strip() and has_words(unit):
            seen.setdefault(unit, None)
    return list(seen)


# Formulas, code and link targets are the same in every language
_NOT_WORDS = re.compile(
    r"`{3,}.*?`{3,}|`+[^`]*`+|\$\$.*?\$\$|\$[^$]*\$|\\begin\{(\w+\*?)\}.*?\\end\{\1\}|\\\[.*?\\\]|\]\([^)]*\)",
    re.DOTALL,
)


def has_words(unit: str) -> bool:
    """False for a unit that is only formulas or code, which is the same in every language."""
    return any(c.isalpha() for c in _NOT_WORDS.sub(" ", unit))


# ## Loading

@dataclass
class Table:
    """One language's translations of one page (or of the interface)."""

    path: Path
    entries: dict[str, str] = field(default_factory=dict)
    review: dict[str, str] = field(default_factory=dict)  # English now → English the translation was made for

    def get(self, unit: str) -> str | None:
        """The translation of `unit`, or `None` if it has none yet."""
        value = self.entries.get(unit)
        return value if value else None

    def needs_review(self, unit: str) -> bool:
        return unit in self.review


def table_path(folder: Path, lang: str, rel: PurePosixPath) -> Path:
    """`optimizers/adam.py` → `translations/ja/optimizers/adam.json`."""
    return folder / lang / rel.with_suffix(".json")


def sidecar(path: Path, kind: str) -> Path:
    return path.with_name(f"{path.stem}.{kind}.json")


def load_table(path: Path) -> Table:
    """Read a table and its review list; a missing table is an empty one."""
    return Table(path, _load_object(path), _load_object(sidecar(path, "review")))


def _load_object(path: Path) -> dict[str, str]:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise TableError(path, 1, 1, f"cannot read translation table: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise TableError(path, error.lineno, error.colno, f"not valid JSON: {error.msg}") from None
    if not isinstance(data, dict):
        raise TableError(path, 1, 1, "a translation table must be a JSON object of English → translation")
    for key, value in data.items():
        if not isinstance(value, str):
            line, column = _position_of_key(text, key)
            raise TableError(path, line, column, f"the translation of {key[:40]!r} must be a string")
    return data


def _position_of_key(text: str, key: str) -> tuple[int, int]:
    offset = text.find(json.dumps(key, ensure_ascii=False))
    if offset < 0:
        return 1, 1
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


class Translations:
    """All tables of one build, loaded on first use; broken tables become problems."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._tables: dict[Path, Table] = {}
        self.problems: list[Problem] = []

    def page(self, lang: str, rel: PurePosixPath) -> Table:
        return self._load(table_path(self.folder, lang, rel))

    def ui(self, lang: str) -> Table:
        return self._load(self.folder / lang / UI_TABLE)

    def lookup(self, lang: str, rel: PurePosixPath, english: str) -> str | None:
        """The translation of one unit of the page at `rel`, if there is one."""
        return self.page(lang, rel).get(english)

    def fingerprint(self, lang: str, rel: PurePosixPath | None) -> bytes:
        """The raw bytes a page's rendering depends on: its table (or the interface table)."""
        path = table_path(self.folder, lang, rel) if rel is not None else self.folder / lang / UI_TABLE
        try:
            return path.read_bytes()
        except OSError:
            return b""

    def _load(self, path: Path) -> Table:
        if path not in self._tables:
            try:
                self._tables[path] = load_table(path)
            except TableError as error:
                self.problems.append(error.problem)
                self._tables[path] = Table(path)
        return self._tables[path]


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
    obsolete: int = 0
    changed: bool = False


def update_table(path: Path, units: list[str], prune: bool = False) -> UpdateResult:
    """
    Make the table at `path` list exactly `units`, in order, keeping every
    translation: reused as it is, reused for review when the English changed a
    little, or moved to the obsolete file when the English is gone.
    """
    table = load_table(path)  # raises TableError: a broken table is never overwritten
    obsolete_path = sidecar(path, "obsolete")
    obsolete = _load_object(obsolete_path)
    result = UpdateResult()
    entries: dict[str, str] = {}
    review = {k: v for k, v in table.review.items() if k in units}
    vanished = {k: v for k, v in table.entries.items() if k not in units and v}

    for unit in units:
        if unit in table.entries:
            entries[unit] = table.entries[unit]
            result.kept += 1
            continue
        match = _closest(unit, vanished) or _closest(unit, obsolete)
        if match is not None:
            entries[unit] = vanished.pop(match, None) or obsolete.pop(match)
            review[unit] = match
            result.review += 1
        else:
            entries[unit] = ""
            result.added += 1

    if not prune:
        obsolete.update(vanished)
        result.obsolete = len(vanished)
    result.changed = _write_if_changed(path, entries)
    result.changed |= _write_if_changed(sidecar(path, "review"), review, remove_when_empty=True)
    result.changed |= _write_if_changed(obsolete_path, obsolete, remove_when_empty=True)
    return result


def _closest(unit: str, candidates: dict[str, str]) -> str | None:
    best, best_ratio = None, REVIEW_SIMILARITY
    for english in candidates:
        ratio = difflib.SequenceMatcher(None, unit, english, autojunk=False).ratio()
        if ratio >= best_ratio:
            best, best_ratio = english, ratio
    return best


def _write_if_changed(path: Path, entries: dict[str, str], remove_when_empty: bool = False) -> bool:
    if remove_when_empty and not entries:
        if path.exists():
            path.unlink()
            return True
        return False
    text = dump(entries)
    if path.exists() and path.read_text("utf-8") == text:
        return False
    write_atomically(path, text)
    return True


# ## Checking
#
# A translation must carry the same formulas, inline code and link targets as
# its English, as multisets: a dropped or altered formula is an error, even if
# the page still renders. `inventory` is given by the caller (it renders the
# Markdown to find them exactly as the build would).

Inventory = Callable[[str], Counter]


def check_table(table: Table, inventory: Inventory, raw_html_ok: Callable[[str], list[str]]) -> list[Problem]:
    problems = []
    text = table.path.read_text("utf-8") if table.path.exists() else ""
    for english, translation in table.entries.items():
        if not translation:
            continue
        line, column = _position_of_key(text, english)
        expected, found = inventory(english), inventory(translation)
        messages = [f"translation lacks {kind} {value!r} of the English" for kind, value in sorted(expected - found)]
        messages += [f"translation has {kind} {value!r} that the English does not" for kind, value in sorted(found - expected)]
        messages += [f"raw HTML outside the allowlist: {fragment[:60]!r}" for fragment in raw_html_ok(translation)]
        problems.extend(Problem(str(table.path), line, f"{message} (column {column})") for message in messages)
    return problems
