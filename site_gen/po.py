"""
# PO exchange

The JSON tables are the project's source of truth; PO files are how they
travel to the tools translators work in (Poedit, Weblate, Crowdin, Transifex,
Lokalise all speak gettext PO).

`export_table` takes one table (with its review and obsolete files) and gives a
`polib.POFile`: `msgid` the English unit, `msgstr` its translation, `#:` where
the unit is in the source, `#, fuzzy` with `#| msgid` (the English the
translation was made for) for a unit awaiting review, obsolete translations as
`#~` entries, and a header naming the language, its plural forms and the table.

`import_po` takes a PO file as an editor left it and applies it to the table
the header names: changed `msgstr`s land in the JSON, a cleared fuzzy flag
confirms a unit, a set one sends it back to review. Nothing else is touched,
and a table is only written when one of its units changed, so exporting and
importing again with no edit changes no file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import polib

from .translate import (
    PLACEHOLDER,
    Table,
    TableError,
    load_object,
    load_table,
    normalise,
    refuse_duplicates,
    sidecar,
    write_atomically,
    write_if_changed,
    write_review,
)

TABLE_HEADER = "X-Translation-Table"
# gettext's plural rules of the languages we know; others get the two-form rule of English
PLURAL_FORMS = {
    "ja": "nplurals=1; plural=0;",
    "zh": "nplurals=1; plural=0;",
    "ko": "nplurals=1; plural=0;",
    "fr": "nplurals=2; plural=(n > 1);",
}
_TWO_FORMS = "nplurals=2; plural=(n != 1);"
# Characters Python reads as line ends, which a PO file cannot carry inside a string
LINE_SEPARATORS = re.compile("[\x1c\x1d\x1e\x85\u2028\u2029]")
# (source file, line) of each appearance of a unit
Locations = dict[str, list[tuple[str, int]]]


class POError(Exception):
    """A table that cannot be exported, or a PO file that cannot be applied, with a message naming it."""


def export_table(table: Table, lang: str, rel: PurePosixPath, project: str, locations: Locations) -> polib.POFile:
    """One table as a PO file; `rel` is the table's path inside its language folder."""
    for english, translation in table.entries.items():
        if found := LINE_SEPARATORS.search(english + translation):
            where = table.positions.get(english)
            line, column = where.key if where else (1, 1)
            raise POError(f"{table.path}:{line}:{column}: U+{ord(found.group()):04X} (a line separator) cannot "
                          "go into a PO file; remove it from this entry")
    po = polib.POFile(wrapwidth=78)
    po.metadata = {
        "Project-Id-Version": project,
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": PLURAL_FORMS.get(lang.split("_")[0].split("-")[0], _TWO_FORMS),
        TABLE_HEADER: rel.as_posix(),
    }
    for english, translation in table.entries.items():
        if not english:
            continue  # the empty msgid is the PO header
        entry = polib.POEntry(msgid=english, msgstr=translation, occurrences=locations.get(english, []))
        if PLACEHOLDER.search(english):
            entry.flags.append("python-format")  # so that PO editors check the `%(name)s` placeholders
        if english in table.review:
            entry.flags.append("fuzzy")
            if table.review[english] != english:
                entry.previous_msgid = table.review[english]
        po.append(entry)
    for english, translation in load_object(sidecar(table.path, "obsolete")).items():
        if english and english not in table.entries:
            po.append(polib.POEntry(msgid=english, msgstr=translation, obsolete=True))
    return po


def write_po(po: polib.POFile, path: Path) -> None:
    write_atomically(path, str(po))


@dataclass
class ImportResult:
    table: Path
    changed: int = 0  # translations that differ from the table's
    confirmed: int = 0  # units taken off the review list
    to_review: int = 0  # units the translator marked fuzzy
    # English of entries the table no longer has (the English changed since the export), nothing to keep
    unknown: list[str] = field(default_factory=list)
    # English of such entries whose translation was kept in the obsolete file (the import must fail)
    kept_aside: list[str] = field(default_factory=list)
    written: bool = False


def import_po(path: Path, translations: Path, languages: list[str]) -> ImportResult:
    """Apply one PO file to the JSON table its header names, under `translations`."""
    try:
        po = polib.pofile(str(path), wrapwidth=78)
    except (OSError, IOError, ValueError, UnicodeDecodeError) as error:
        raise POError(f"{path}: cannot read PO file: {error}") from None
    lang = _language(po.metadata.get("Language", ""), languages)
    rel = po.metadata.get(TABLE_HEADER, "")
    parts = PurePosixPath(rel).parts
    if lang is None:
        raise POError(f"{path}: header Language {po.metadata.get('Language', '')!r} is not one of {', '.join(languages)}")
    if not rel.endswith(".json") or PurePosixPath(rel).is_absolute() or ".." in parts:
        raise POError(f"{path}: header {TABLE_HEADER} must name a table such as optimizers/adam.json, not {rel!r}")
    table_file = translations / lang / rel
    if not table_file.exists():
        raise POError(f"{path}: no table {table_file} (run `site-gen translate update` first)")
    try:
        table = load_table(table_file)
        refuse_duplicates(table)
    except TableError as error:
        raise POError(f"{error} (not imported; fix it first)") from None

    result = ImportResult(table_file)
    entries, review = dict(table.entries), dict(table.review)
    obsolete_file = sidecar(table_file, "obsolete")
    obsolete = load_object(obsolete_file)
    for entry in po:
        if entry.obsolete or not entry.msgid:
            continue
        key = table.key(entry.msgid)
        if key is None and (key := _moved_to(entry, review)) is not None:
            # Exported before the English changed: the edit lands on the new unit, still awaiting review
            if entry.msgstr and entry.msgstr != entries[key]:
                entries[key] = entry.msgstr
                result.changed += 1
            continue
        if key is None:
            if entry.msgstr and obsolete.get(entry.msgid) != entry.msgstr:
                obsolete[entry.msgid] = entry.msgstr  # kept under its English: never thrown away
                result.kept_aside.append(entry.msgid)
            else:
                result.unknown.append(entry.msgid)
            continue
        if entry.msgstr != entries[key]:
            entries[key] = entry.msgstr
            result.changed += 1
        fuzzy = "fuzzy" in entry.flags
        if key in review and not fuzzy:
            del review[key]
            result.confirmed += 1
        elif fuzzy and key not in review:
            review[key] = entry.previous_msgid or key
            result.to_review += 1
    result.written = write_if_changed(table_file, entries)
    result.written |= write_review(table_file, review, entries)
    result.written |= write_if_changed(obsolete_file, obsolete, remove_when_empty=True)
    return result


def _moved_to(entry: polib.POEntry, review: dict[str, str]) -> str | None:
    """The unit whose review links the English this entry was made for (or its previous English) to new English."""
    wanted = {normalise(entry.msgid), normalise(entry.previous_msgid or entry.msgid)}
    return next((now for now, made_from in review.items() if normalise(made_from) in wanted), None)


def _language(code: str, languages: list[str]) -> str | None:
    """`ja`, `ja_JP` or `ja-JP` → `ja`, if it is one of the site's languages."""
    for candidate in (code, code.replace("_", "-"), code.split("_")[0].split("-")[0]):
        if candidate in languages:
            return candidate
    return None
