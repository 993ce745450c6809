"""Defects a hostile reviewer found in the translation workflow, each pinned by a test."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from markupsafe import escape

from site_gen import translate
from site_gen.build import build
from site_gen.cli import main
from site_gen.config import load
from site_gen.page import Templates
from site_gen.po import export_table, import_po
from site_gen.prose import inventory, raw_html_outside_allowlist

_WORDS = st.text(alphabet="abcdefghij", min_size=3, max_size=7)


def read(path: Path) -> dict[str, str]:
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


# --- 1. The English a translation was made from stays recorded until someone confirms it --------

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_WORDS, min_size=8, max_size=14), st.lists(st.tuples(st.integers(0, 13), _WORDS), min_size=1, max_size=5))
def test_1_a_translation_is_published_only_for_the_english_it_was_made_from(tmp_path_factory, words, edits) -> None:
    """However many times the English changes before review, the review names the original English."""
    path = tmp_path_factory.mktemp("t") / "page.json"
    original = " ".join(words)
    path.write_text(translate.dump({original: "訳"}), "utf-8")
    current = words
    for index, word in edits:
        current = list(current)
        current[index % len(current)] = word
        english = " ".join(current)
        translate.update_table(path, [english])
        table = translate.load_table(path)
        obsolete = read(translate.sidecar(path, "obsolete"))
        if english == original:
            assert table.get(english) == "訳"
        else:
            assert table.get(english) is None  # never shown as current
        if table.stale(english):
            assert table.review[table.key(english)] == original
        # never lost: the translation is in the table or kept under the English it was made for
        assert table.entries.get(english) == "訳" or obsolete.get(original) == "訳"


# --- 2. A PO file exported before the English changed never loses the translator's edit ---------

def _po_round(tmp_path: Path, english_then: str, english_now: str, edited: str, fuzzy_review: bool = False):
    folder = tmp_path / "translations"
    path = folder / "ja" / "page.json"
    path.parent.mkdir(parents=True)
    path.write_text(translate.dump({english_then: "古い訳"}), "utf-8")
    po = export_table(translate.load_table(path), "ja", PurePosixPath("page.json"), "t", {})
    po.find(english_then).msgstr = edited
    po_file = tmp_path / "page.po"
    po.save(str(po_file))
    translate.update_table(path, [english_now])  # the English changes after the export
    return path, import_po(po_file, folder, ["ja"])


def test_2_an_edit_to_english_that_changed_since_export_lands_on_the_new_unit_awaiting_review(tmp_path: Path) -> None:
    then = "The step size is smaller than the paper suggests for this model."
    now = "The step size is larger than the paper suggests for this model."
    path, result = _po_round(tmp_path, then, now, "新しい訳")
    table = translate.load_table(path)
    assert table.entries[now] == "新しい訳" and table.review[now] == then  # still made for the old English
    assert table.get(now) is None and not result.kept_aside


def test_2_an_edit_whose_english_is_gone_is_kept_and_the_import_fails(tmp_path: Path) -> None:
    path, result = _po_round(tmp_path, "A paragraph that the author deleted.", "Something else entirely new here.", "訳した")
    assert result.kept_aside == ["A paragraph that the author deleted."]
    assert read(translate.sidecar(path, "obsolete"))["A paragraph that the author deleted."] == "訳した"


# --- 3. Ids in raw HTML are checked like links and formulas --------------------------------------

@pytest.mark.parametrize("english, translation", [
    ('<a id="bias"></a>The bias correction.', "バイアス補正。"),
    ('See <span id="x">this</span> and <a id="y"></a>that.', '<span id="x">これ</span>とそれ。'),
    ('<a id="a"></a>One.', '<a id="b"></a>一つ。'),
])
def test_3_a_translation_that_drops_or_changes_an_id_is_reported(tmp_path: Path, english: str, translation: str) -> None:
    path = tmp_path / "page.json"
    path.write_text(translate.dump({english: translation}), "utf-8")
    problems = translate.check_table(translate.load_table(path), inventory, raw_html_outside_allowlist)
    assert any("id" in p.message and "lacks" in p.message for p in problems), problems


def test_3_a_translation_that_keeps_its_ids_passes(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text(translate.dump({'<a id="bias"></a>The bias correction.': '<a id="bias"></a>バイアス補正。'}), "utf-8")
    assert translate.check_table(translate.load_table(path), inventory, raw_html_outside_allowlist) == []


# --- 5. A byte order mark is read past --------------------------------------------------------------

def test_5_a_table_saved_with_a_byte_order_mark_is_used_and_checked_at_true_positions(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_bytes(b"\xef\xbb\xbf" + translate.dump({"A paragraph about $x$.": "段落。", "Title": "題"}).encode())
    table = translate.load_table(path)
    assert table.get("Title") == "題"
    problems = translate.check_table(table, inventory, raw_html_outside_allowlist)
    assert [(p.line, p.message) for p in problems] == [(2, "translation lacks formula 'x' of the English")]
    translate.update_table(path, ["A paragraph about $x$.", "Title"])
    assert translate.load_table(path).get("Title") == "題"


# --- 6. A literal % in an interface string without placeholders -----------------------------------

def test_6_a_percent_sign_in_a_string_without_placeholders_is_kept_as_written(tmp_path: Path) -> None:
    (tmp_path / "t.html").write_text("{{ _('Search') }}|{{ _('Page %(n)s', n=3) }}", "utf-8")
    ui = tmp_path / "_ui.json"
    ui.write_text(translate.dump({"Search": "100% 検索 %d %(", "Page %(n)s": "%(n)s ページ (100%%)"}), "utf-8")
    table = translate.load_table(ui)
    assert translate.check_table(table, inventory, raw_html_outside_allowlist, interface=True) == []
    rendered = Templates(tmp_path).render("t.html", translate.interface_gettext(table))
    assert rendered == "100% 検索 %d %(|3 ページ (100%)"


def test_6_a_placeholder_added_to_a_string_without_any_is_still_reported(tmp_path: Path) -> None:
    ui = tmp_path / "_ui.json"
    ui.write_text(translate.dump({"Search": "%(x)s 検索"}), "utf-8")
    problems = translate.check_table(translate.load_table(ui), inventory, raw_html_outside_allowlist, interface=True)
    assert len(problems) == 1 and "placeholders" in problems[0].message


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1).filter(lambda t: not translate.PLACEHOLDER.search(t)))
def test_6_a_string_without_placeholders_renders_exactly_as_translated(tmp_path_factory, translation: str) -> None:
    folder = tmp_path_factory.mktemp("ui")
    (folder / "t.html").write_text("{{ _('Search') }}", "utf-8")
    ui = folder / "_ui.json"
    ui.write_text(translate.dump({"Search": translation}), "utf-8")
    rendered = Templates(folder).render("t.html", translate.interface_gettext(translate.load_table(ui)))
    assert rendered == str(escape(translation))


# --- 7. Formulas compared without the spaces TeX ignores --------------------------------------------

_TEX = ["\\beta", "\\alpha", "\\,", "\\ ", "(", ")", "1", "-", "^", "_", "t", "g", "{", "}", "+", "\\frac", "x"]
_GAPS = ["", " ", "  ", "\n", " \n "]


@given(st.lists(st.tuples(st.sampled_from(_TEX), st.sampled_from(_GAPS), st.sampled_from(_GAPS)), min_size=1, max_size=20))
def test_7_spaces_tex_ignores_never_change_a_formula_and_separating_ones_do(parts) -> None:
    def joined(which: int) -> str:
        out = ""
        for index, (token, *gaps) in enumerate(parts):
            following = parts[index + 1][0] if index + 1 < len(parts) else ""
            gap = gaps[which]
            if token[1:].isalpha() and following[:1].isalpha() and not gap:
                gap = " "  # `\beta t`: this space separates, it cannot go
            out += token + gap
        return out

    one, other = joined(0), joined(1)
    assert translate.tex_spacing_removed(one) == translate.tex_spacing_removed(other)
    glued = "".join(token for token, *_ in parts)
    separated = any(t[1:].isalpha() and parts[i + 1][0][:1].isalpha() for i, (t, *_) in enumerate(parts[:-1]) if t[0] == "\\")
    assert (translate.tex_spacing_removed(glued) != translate.tex_spacing_removed(one)) == separated


def test_7_a_spacing_only_formula_edit_keeps_its_translation_and_passes_the_check(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    before = "The update is $(1 - \\beta_1^t)\\, g$ here."
    after = "The update is $(1-\\beta_1^t)\\,g$ here."
    path.write_text(translate.dump({before: "更新は $(1 - \\beta_1^t)\\, g$ です。"}), "utf-8")
    result = translate.update_table(path, [after])
    table = translate.load_table(path)
    assert result.review == 0 and table.get(after) == "更新は $(1 - \\beta_1^t)\\, g$ です。"
    assert translate.check_table(table, inventory, raw_html_outside_allowlist) == []


@pytest.mark.parametrize("english, translation", [
    ("Scale $a\\, b$ now.", "今 $a b$ を。"),  # a thin space is not nothing
    ("Scale $a\\ b$ now.", "今 $ab$ を。"),
    ("Scale $\\alpha x$ now.", "今 $\\alphax$ を。"),
    ("Say $\\text{for all}$ now.", "今 $\\text{forall}$ を。"),
])
def test_7_significant_spaces_in_a_formula_still_count(tmp_path: Path, english: str, translation: str) -> None:
    path = tmp_path / "page.json"
    path.write_text(translate.dump({english: translation}), "utf-8")
    problems = translate.check_table(translate.load_table(path), inventory, raw_html_outside_allowlist)
    assert any("formula" in p.message for p in problems)


# --- 8. A mistyped key is named where it is written, with the closest English -----------------------

def test_8_a_key_matching_no_english_unit_is_reported_at_the_key_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "ja" / "page.json"
    path.parent.mkdir()
    units = ["# A model", "The update is $x$ here."]
    path.write_text(translate.dump({"# A model": "# モデル", "The updte is $x$ here.": "更新は $x$。"}), "utf-8")
    found = translate.audit(tmp_path, "ja", {PurePosixPath("page.py"): units}, inventory, raw_html_outside_allowlist)
    assert [str(p) for p in found.problems] == [
        f"{path}:3:3: 'The updte is $x$ here.' matches no English unit of the page (mistyped, or the English "
        "changed: run `site-gen translate update`); closest English: 'The update is $x$ here.'"]


@settings(max_examples=500)
@given(st.text(alphabet="ab $\\x", max_size=12), st.lists(st.text(alphabet="ab $\\x", max_size=12), max_size=6))
def test_8_the_hint_is_the_first_unit_with_the_highest_similarity(key: str, units: list[str]) -> None:
    """The hint skips units whose cheap bounds cannot win; it must name the unit a full comparison names."""
    import difflib

    expected = max(units, key=lambda unit: difflib.SequenceMatcher(None, key, unit, autojunk=False).ratio(),
                   default=None)
    assert translate._most_like(key, units) == expected


def test_8_check_and_build_name_a_mistyped_key(bilingual_tree: Path, tmp_path: Path, capsys) -> None:
    path = bilingual_tree / "translations" / "ja" / "model.json"
    path.parent.mkdir(parents=True)
    path.write_text(translate.dump({"# A modle": "# モデル"}), "utf-8")
    assert main(["translate", "check", "--root", str(bilingual_tree)]) == 1
    assert f"{path}:2:3: '# A modle' matches no English unit" in capsys.readouterr().err
    report = build(load(bilingual_tree, out=tmp_path / "html"))
    assert any(p.path == str(path) and "closest English: '# A model'" in p.message for p in report.problems)


# --- 9. Update changes nothing when nothing changed ----------------------------------------------------

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_WORDS, min_size=1, max_size=8, unique=True), st.randoms(use_true_random=False), st.data())
def test_9_update_with_the_same_units_in_another_order_writes_nothing(tmp_path_factory, units, random, data) -> None:
    path = tmp_path_factory.mktemp("t") / "page.json"
    reviewed = data.draw(st.sets(st.sampled_from(units)))
    path.write_text(translate.dump({unit: f"訳 {unit}" for unit in units}), "utf-8")
    translate.write_review(path, {u: u + " old" for u in units if u in reviewed}, {u: f"訳 {u}" for u in units})
    before = {p.name: p.read_bytes() for p in path.parent.iterdir()}
    shuffled = list(units)
    random.shuffle(shuffled)
    assert translate.update_table(path, shuffled).changed is False
    assert {p.name: p.read_bytes() for p in path.parent.iterdir()} == before


def test_9_update_of_the_repository_leaves_the_tree_clean(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    copy = tmp_path / "repo"
    shutil.copytree(root / "translations", copy / "translations")
    ui = copy / "translations" / "ja" / "_ui.json"
    keys = list(read(ui))
    ui.write_text(translate.dump({k: read(ui)[k] for k in reversed(keys)}), "utf-8")  # any order a person left
    before = ui.read_bytes()
    translate.update_table(ui, keys)
    assert ui.read_bytes() == before


# --- 11. Small things: the page notice, export's exit, plurals -------------------------------------------

def test_11_the_page_notice_counts_a_repeated_unit_once_and_agrees_with_status(bilingual_tree: Path, tmp_path: Path,
                                                                                capsys) -> None:
    model = bilingual_tree / "pkg" / "model.py"
    model.write_text(model.read_text("utf-8").replace("# ### Step\n", "# ### Step\n    #\n    # Said twice.\n    #\n")
                     .replace("# A model\n", "# A model\n\nSaid twice.\n"), "utf-8")
    assert main(["translate", "update", "--root", str(bilingual_tree)]) == 0
    path = bilingual_tree / "translations" / "ja" / "model.json"
    entries = read(path)
    assert "Said twice." in entries
    path.write_text(translate.dump({**entries, "Said twice.": "二度言う。"}), "utf-8")
    capsys.readouterr()
    main(["translate", "status", "--root", str(bilingual_tree)])
    done, todo = map(int, re.search(r"model\.py\s+(\d+)\s+(\d+)\s+0", capsys.readouterr().out).groups())
    out = tmp_path / "html"
    build(load(bilingual_tree, out=out))
    page = (out / "ja" / "model.html").read_text("utf-8")
    assert page.count("二度言う。") == 2, re.findall(r"[^\n]*(?:Said twice|二度)[^\n]*", page)
    assert f"{done} of {done + todo} parts are translated" in page


def test_11_export_fails_when_it_skips_a_broken_table(bilingual_tree: Path, tmp_path: Path, capsys) -> None:
    path = bilingual_tree / "translations" / "ja" / "model.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"a": ', "utf-8")
    assert main(["translate", "export", "--root", str(bilingual_tree), "--out", str(tmp_path / "po")]) == 1
    assert f"{path}:1:" in capsys.readouterr().err


def test_11_counts_are_written_with_the_right_plural(bilingual_tree: Path, capsys) -> None:
    path = bilingual_tree / "translations" / "ja" / "model.json"
    path.parent.mkdir(parents=True)
    path.write_text(translate.dump({"# A model": "# モデル $x$"}), "utf-8")
    main(["translate", "check", "--root", str(bilingual_tree)])
    assert "checked translations: 1 problem\n" in capsys.readouterr().out


@pytest.mark.parametrize("english, translation, same", [
    ("See [the model](other.py).", "[モデル](other)を参照。", True),
    ("See [the model](other.py#step).", "[モデル](other.html#step)を参照。", True),
    ("See [the model](other.py).", "[モデル](another.py)を参照。", False),
    ("See [the model](other.py#step).", "[モデル](other.py#update)を参照。", False),
])
def test_11_a_link_to_the_same_page_written_without_its_suffix_is_not_a_changed_link(
        tmp_path: Path, english: str, translation: str, same: bool) -> None:
    path = tmp_path / "page.json"
    path.write_text(translate.dump({english: translation}), "utf-8")
    problems = translate.check_table(translate.load_table(path), inventory, raw_html_outside_allowlist)
    assert (problems == []) == same, problems


# --- 4. A renamed source keeps its translations ------------------------------------------------------------

def test_4_a_renamed_source_takes_its_translations_from_the_orphaned_table(bilingual_tree: Path, capsys) -> None:
    assert main(["translate", "update", "--root", str(bilingual_tree)]) == 0
    old = bilingual_tree / "translations" / "ja" / "model.json"
    translated = {english: f"訳 {english}" for english in read(old)}
    old.write_text(translate.dump(translated), "utf-8")
    (bilingual_tree / "pkg" / "model.py").rename(bilingual_tree / "pkg" / "renamed.py")
    capsys.readouterr()
    assert main(["translate", "update", "--root", str(bilingual_tree)]) == 0
    out = capsys.readouterr().out
    new = bilingual_tree / "translations" / "ja" / "renamed.json"
    table = translate.load_table(new)
    assert {english: table.get(english) for english in table.entries} == translated  # published, not for review
    assert f"{new}: {len(translated)} translations drawn from {old}" in out


# --- 10. Editing a translation that awaits review is the translator's confirmation -----------------------

def test_10_editing_a_stale_translation_in_the_json_resolves_its_review(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    then = "The step size is smaller than the paper suggests for this model."
    now = "The step size is larger than the paper suggests for this model."
    path.write_text(translate.dump({then: "論文より小さい"}), "utf-8")
    translate.update_table(path, [now])
    assert translate.load_table(path).get(now) is None  # awaiting review
    translate.update_table(path, [now])  # an update in between changes nothing
    assert translate.load_table(path).get(now) is None
    path.write_text(translate.dump({now: "論文より大きい"}), "utf-8")  # edited by hand
    table = translate.load_table(path)
    assert table.get(now) == "論文より大きい" and not table.stale(now)
    translate.update_table(path, [now])
    assert not translate.sidecar(path, "review").exists()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["update", "edit", "touch"]), _WORDS), min_size=1, max_size=8))
def test_10_a_review_is_resolved_exactly_when_the_translation_is_edited(tmp_path_factory, steps) -> None:
    """State: one unit awaiting review; updates keep it waiting, only a changed translation confirms it."""
    path = tmp_path_factory.mktemp("t") / "page.json"
    then, now = "alpha beta gamma delta epsilon zeta", "alpha beta gamma delta epsilon theta"
    path.write_text(translate.dump({then: "元の訳"}), "utf-8")
    translate.update_table(path, [now])
    confirmed, value = False, "元の訳"
    for action, word in steps:
        if action == "update":
            translate.update_table(path, [now])
        else:
            new = value if action == "touch" else f"訳 {word}"
            confirmed |= new != value
            value = new
            path.write_text(translate.dump({now: value}), "utf-8")
        table = translate.load_table(path)
        assert table.get(now) == (value if confirmed else None)


# --- 12. The experiment's figure is drawn in every language from one training run ---------------------------

@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_12_the_experiment_figure_is_drawn_per_language_without_training_again(tmp_path: Path, monkeypatch) -> None:
    figures = pytest.importorskip("labml_nn.optimizers.figures")

    def no_training(*args, **kwargs):
        raise AssertionError("drawing a figure must not train")

    monkeypatch.setattr(figures.mnist_experiment, "train", no_training)
    names = [name for group in figures.GROUPS for name in group]
    results = {"block": 9, "steps_per_epoch": 45, "seeds": list(figures.SEEDS), "epochs": 6,
               "dataset": "scikit-learn digits (8x8)",
               "losses": {name: [[2.0 - 0.05 * i for i in range(30)] for _ in figures.SEEDS] for name in names}}
    figures.plt.rcParams.update({"svg.fonttype": "none"})
    for lang, expected in (("en", "Adam and two variants"), ("ja", "学習率スケジュール"), ("zh", "学习率调度")):
        path = tmp_path / f"digits.{lang}.svg"
        figures.experiment_figure(results, path, figures.words(lang))
        drawn = path.read_text("utf-8")
        assert expected in drawn
        if lang != "en":
            assert "Adam and two variants" not in drawn and "Learning-rate schedules" not in drawn


def test_1_after_two_changes_the_po_file_shows_the_diff_from_the_english_translated(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    first = "The step size is smaller than the paper suggests for this model."
    second = "The step size is larger than the paper suggests for this model."
    third = "The step size is larger than the paper suggests for this small model."
    path.write_text(translate.dump({first: "論文より小さい"}), "utf-8")
    translate.update_table(path, [second])
    translate.update_table(path, [third])
    po = export_table(translate.load_table(path), "ja", PurePosixPath("page.json"), "t", {})
    entry = po.find(third)
    assert "fuzzy" in entry.flags and entry.previous_msgid == first
