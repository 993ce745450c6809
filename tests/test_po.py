"""PO exchange: export then import is lossless, and a PO editor's edits land in exactly their units."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path, PurePosixPath

import polib
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from site_gen import translate
from site_gen.cli import main
from site_gen.po import LINE_SEPARATORS, POError, export_table, import_po, write_po

LANGUAGES = ["ja", "zh"]

# Text a translation table may hold: prose with formulas, code, quotes, backslashes, newlines
_pieces = st.sampled_from(["$\\beta_1$", "`x = \"a\"`", "\\", '"', "'", "\n", "\n\n", "\t", "#", "- ", "%",
                           "$$\n\\frac{a}{b}\n$$", "```python\nx = 1\n```", "[a](b.py)", "é", "学習率", " ", "msgid"])
# Any character but surrogates and the line separators a PO file cannot hold (export refuses those)
_char = st.characters(blacklist_categories=("Cs",)).filter(lambda c: not LINE_SEPARATORS.match(c))
_text = st.lists(st.one_of(_pieces, st.text(_char, max_size=8)), max_size=6).map("".join)
_english = _text.filter(lambda s: s.strip())


@st.composite
def tables(draw):
    """A table with its review and obsolete files, as `update` could leave them (or a translator by hand)."""
    english = draw(st.lists(_english, min_size=1, max_size=8, unique=True))
    entries = {e: draw(_text) for e in english}
    review = {e: draw(st.one_of(st.just(e), _english)) for e in english if draw(st.booleans())}
    obsolete = {e: draw(_text) for e in draw(st.lists(_english, max_size=3, unique=True)) if e not in entries}
    return entries, review, obsolete


def write_tables(folder: Path, entries, review, obsolete) -> Path:
    path = folder / "ja" / "optimizers" / "adam.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(translate.dump(entries), "utf-8")
    for kind, data in (("review", review), ("obsolete", obsolete)):
        if data:
            translate.sidecar(path, kind).write_text(translate.dump(data), "utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def export(path: Path, out: Path) -> Path:
    po = export_table(translate.load_table(path), "ja", PurePosixPath("optimizers/adam.json"), "Test",
                      {next(iter(translate.load_table(path).entries)): [("labml_nn/optimizers/adam.py", 12)]})
    target = out / "ja" / "optimizers" / "adam.po"
    write_po(po, target)
    return target


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_export_then_import_changes_nothing(data) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "translations"
        path = write_tables(folder, *data)
        before = snapshot(folder)
        po_file = export(path, Path(temporary) / "po")
        result = import_po(po_file, folder, LANGUAGES)
        assert snapshot(folder) == before
        assert not result.written and not result.unknown
        # And the PO file itself says what the table says
        po = polib.pofile(str(po_file))
        entries, review, obsolete = data
        assert {e.msgid: e.msgstr for e in po if not e.obsolete} == entries
        assert {e.msgid for e in po if "fuzzy" in e.flags} == set(review)
        assert {e.msgid: e.msgstr for e in po.obsolete_entries()} == obsolete


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.data())
def test_a_po_editors_edits_change_exactly_those_units(data, draw) -> None:
    entries, review, obsolete = data
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "translations"
        path = write_tables(folder, entries, review, obsolete)
        obsolete_before = translate.sidecar(path, "obsolete").read_bytes() if obsolete else None
        po_file = export(path, Path(temporary) / "po")
        po = polib.pofile(str(po_file))
        live = [e for e in po if not e.obsolete]
        edited = draw.draw(st.lists(st.sampled_from(live), unique_by=lambda e: e.msgid, max_size=3))
        new_texts = {}
        for entry in edited:  # what Poedit does on an edit: new msgstr, fuzzy cleared
            new_texts[entry.msgid] = entry.msgstr = draw.draw(_text)
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        fuzzy = [e for e in live if "fuzzy" in e.flags]
        confirmed = draw.draw(st.lists(st.sampled_from(fuzzy), unique_by=lambda e: e.msgid)) if fuzzy else []
        for entry in confirmed:  # "needs work" unticked, text untouched
            entry.flags.remove("fuzzy")
        po.save(str(po_file))

        import_po(po_file, folder, LANGUAGES)
        table = translate.load_table(path)
        assert list(table.entries) == list(entries)  # same units, same order
        assert table.entries == {**entries, **new_texts}
        untouched = {e.msgid for e in edited} | {e.msgid for e in confirmed}
        assert table.review == {k: v for k, v in review.items() if k not in untouched}
        after = translate.sidecar(path, "obsolete")
        assert (after.read_bytes() if after.exists() else None) == obsolete_before


def test_export_writes_one_po_per_table_with_locations_fuzzy_and_header(bilingual_tree: Path, tmp_path: Path) -> None:
    tree = bilingual_tree
    main(["translate", "update", "--root", str(tree)])
    path = tree / "translations" / "ja" / "model.json"
    entries = json.loads(path.read_text("utf-8"))
    path.write_text(translate.dump({k: f"訳 {k}" for k in entries}), "utf-8")
    source = tree / "pkg" / "model.py"
    source.write_text(source.read_text().replace("gets a numbered anchor", "gets a numbered id"))
    main(["translate", "update", "--root", str(tree)])
    out = tmp_path / "po"
    assert main(["translate", "export", "--format", "po", "--lang", "ja", "--root", str(tree), "--out", str(out)]) == 0
    po = polib.pofile(str(out / "ja" / "model.po"))
    assert po.metadata["Language"] == "ja" and po.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    heading = po.find("## Update")
    lines = source.read_text().split("\n")
    assert heading.occurrences == [("pkg/model.py", str(lines.index("    ## Update") + 1))]
    changed = next(e for e in po if "gets a numbered id" in e.msgid)
    assert "fuzzy" in changed.flags and "gets a numbered anchor" in changed.previous_msgid
    assert (out / "ja" / "_ui.po").is_file()
    text = (out / "ja" / "model.po").read_text("utf-8")
    assert "#, fuzzy\n#| msgid " in text


def test_import_of_an_edited_folder_through_the_command_line(bilingual_tree: Path, tmp_path: Path, capsys) -> None:
    tree = bilingual_tree
    main(["translate", "update", "--root", str(tree)])
    out = tmp_path / "po"
    main(["translate", "export", "--root", str(tree), "--out", str(out)])
    before = snapshot(tree / "translations")
    assert main(["translate", "import", str(out), "--root", str(tree)]) == 0
    assert snapshot(tree / "translations") == before
    po = polib.pofile(str(out / "ja" / "model.po"))
    po.find("## Update").msgstr = "## 更新"
    po.append(polib.POEntry(msgid="English that is not in the table", msgstr="表にない"))
    po.save(str(out / "ja" / "model.po"))
    capsys.readouterr()
    # The entry whose English is gone is kept aside, and the import says so and fails
    assert main(["translate", "import", str(out / "ja" / "model.po"), "--root", str(tree)]) == 1
    io = capsys.readouterr()
    assert "1 translation changed" in io.out and "English that is not in the table" in io.err
    assert "model.obsolete.json" in io.err
    changed = {k for k, v in snapshot(tree / "translations").items() if before.get(k) != v}
    assert changed == {"ja/model.json", "ja/model.obsolete.json"}
    kept = json.loads((tree / "translations" / "ja" / "model.obsolete.json").read_text("utf-8"))
    assert kept["English that is not in the table"] == "表にない"
    assert json.loads((tree / "translations" / "ja" / "model.json").read_text("utf-8"))["## Update"] == "## 更新"


@pytest.mark.parametrize("header, message", [
    ({"Language": "fr"}, "is not one of"),
    ({"X-Translation-Table": "../../etc/passwd.json"}, "must name a table"),
    ({"X-Translation-Table": "nowhere.json"}, "run `site-gen translate update` first"),
])
def test_import_refuses_a_po_file_that_names_no_table_of_ours(tmp_path: Path, header, message) -> None:
    folder = tmp_path / "translations"
    path = write_tables(folder, {"Adam": "アダム"}, {}, {})
    po_file = export(path, tmp_path / "po")
    po = polib.pofile(str(po_file))
    po.metadata.update(header)
    po.save(str(po_file))
    with pytest.raises(POError, match=message.replace("`", ".")):
        import_po(po_file, folder, LANGUAGES)


def test_import_refuses_a_table_with_duplicate_keys(tmp_path: Path) -> None:
    folder = tmp_path / "translations"
    path = write_tables(folder, {"Adam": "アダム"}, {}, {})
    po_file = export(path, tmp_path / "po")
    path.write_text('{\n  "Adam": "アダム",\n  "Adam": "亚当"\n}\n', "utf-8")
    before = path.read_bytes()
    with pytest.raises(POError, match="written twice"):
        import_po(po_file, folder, LANGUAGES)
    assert path.read_bytes() == before


def test_export_refuses_a_line_separator_it_could_not_bring_back(tmp_path: Path) -> None:
    path = write_tables(tmp_path / "translations", {"Adam": "ア\u2028ダム"}, {}, {})
    with pytest.raises(POError, match=r"adam.json:2:3: U\+2028"):
        export(path, tmp_path / "po")


def test_import_of_something_that_is_not_there_or_not_po_is_a_clear_error(bilingual_tree: Path, tmp_path: Path,
                                                                         capsys) -> None:
    assert main(["translate", "import", str(tmp_path / "missing.po"), "--root", str(bilingual_tree)]) == 2
    assert "missing.po: no such file or folder" in capsys.readouterr().err
    garbage = tmp_path / "garbage.po"
    garbage.write_text('msgid "unterminated\n', "utf-8")
    assert main(["translate", "import", str(garbage), "--root", str(bilingual_tree)]) == 1
    assert str(garbage) in capsys.readouterr().err


def test_interface_entries_are_flagged_python_format_for_po_editors(tmp_path: Path) -> None:
    path = write_tables(tmp_path / "translations", {"line %(line)s": "%(line)s 行目", "Copy": "コピー"}, {}, {})
    po = polib.pofile(str(export(path, tmp_path / "po")))
    assert "python-format" in po.find("line %(line)s").flags and not po.find("Copy").flags
