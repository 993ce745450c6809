"""Translation tables: units, the update workflow, checks, and translated sites."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from site_gen import translate
from site_gen.build import build
from site_gen.cli import main
from site_gen.config import load

@pytest.fixture
def tree(bilingual_tree: Path) -> Path:
    return bilingual_tree


def table(root: Path, rel: str = "model.json", lang: str = "ja") -> Path:
    return root / "translations" / lang / rel


def read(path: Path) -> dict[str, str]:
    return json.loads(path.read_text("utf-8"))


def translate_all(path: Path, translator) -> None:
    entries = read(path)
    path.write_text(translate.dump({k: translator(k) for k in entries}), "utf-8")


# --- Units ---------------------------------------------------------------------------------------

def test_units_are_markdown_blocks_and_keep_code_and_equations_whole() -> None:
    text = "# Title\n\nA paragraph\nover two lines.\n\n```python\nx = 1\n\ny = 2\n```\n\n$$\na\n\nb\n$$\n\n- one\n- two"
    assert translate.split_units(text) == [
        "# Title", "A paragraph\nover two lines.", "```python\nx = 1\n\ny = 2\n```", "$$\na\n\nb\n$$", "- one\n- two",
    ]


def test_units_without_words_are_not_listed() -> None:
    units = translate.page_units("Title", "", ["Words $x$.\n\n$$\\alpha$$\n\n\\begin{align}a\\end{align}"])
    assert units == ["Title", "Words $x$."]


# --- The update workflow -------------------------------------------------------------------------

def test_update_writes_readable_tables_in_page_order(tree: Path) -> None:
    assert main(["translate", "update", "--root", str(tree)]) == 0
    path = table(tree)
    text = path.read_text("utf-8")
    keys = list(read(path))
    assert keys[:2] == ["The model & its update", "Front matter gives the title and the meta description."]
    step = next(k for k in keys if k.startswith("### Step\n"))
    assert keys.index("# A model") < keys.index("## Update") < keys.index(step)
    assert "\\u" not in text and text.startswith('{\n  "')
    assert all(value == "" for value in read(path).values())
    assert "View source: %(path)s" in read(table(tree, "_ui.json"))


def test_update_after_an_english_edit_keeps_moves_and_marks(tree: Path) -> None:
    main(["translate", "update", "--root", str(tree)])
    translate_all(table(tree), lambda english: f"訳：{english}")
    source = tree / "pkg" / "model.py"
    text = source.read_text()
    # One paragraph changes slightly, one heading disappears entirely
    step_comment = "    # ### Step\n    # The same formula again: $\\theta_t = \\theta_{t-1} - \\alpha g_t$.\n"
    assert step_comment in text
    text = text.replace("# A model\n", "# A small model\n").replace(step_comment, "")
    text = text.replace("A comment with no heading gets a numbered anchor", "A comment with no heading gets numbered")
    source.write_text(text)
    assert main(["translate", "update", "--root", str(tree)]) == 0

    entries = read(table(tree))
    # Unchanged units keep their translations
    assert entries["## Update"] == "訳：## Update"
    # A slightly changed unit keeps its old translation, marked for review
    changed = next(k for k in entries if k.startswith("A comment with no heading gets numbered"))
    assert entries[changed].startswith("訳：A comment with no heading gets a numbered anchor")
    review = translate.load_table(table(tree)).review
    assert changed in review
    # A vanished unit is moved, with its translation, to the obsolete file
    obsolete = read(translate.sidecar(table(tree), "obsolete"))
    step = "### Step\nThe same formula again: $\\theta_t = \\theta_{t-1} - \\alpha g_t$."
    assert obsolete == {step: f"訳：{step}"}
    assert step not in entries


def test_prune_deletes_vanished_translations_only_when_asked(tree: Path) -> None:
    main(["translate", "update", "--root", str(tree)])
    translate_all(table(tree), lambda english: "x")
    source = tree / "pkg" / "model.py"
    source.write_text(source.read_text().replace("    # ### Step\n    # The same formula again", "    # Gone"))
    main(["translate", "update", "--root", str(tree), "--prune"])
    assert not any(k.startswith("### Step") for k in read(table(tree)))
    assert not translate.sidecar(table(tree), "obsolete").exists()


def test_update_never_overwrites_a_broken_table(tree: Path, capsys) -> None:
    path = table(tree)
    path.parent.mkdir(parents=True)
    path.write_text('{\n  "# A model": "モデル",\n  oops\n}\n', "utf-8")
    before = path.read_bytes()
    assert main(["translate", "update", "--root", str(tree)]) == 2
    assert path.read_bytes() == before
    assert f"{path}:3:3: not valid JSON" in capsys.readouterr().err


def test_status_reports_coverage_per_page(tree: Path, capsys) -> None:
    main(["translate", "update", "--root", str(tree)])
    translate_all(table(tree), lambda english: english)
    capsys.readouterr()
    main(["translate", "status", "--root", str(tree)])
    out = capsys.readouterr().out
    assert re.search(r"model\.py\s+\d+\s+0\s+0\s+100\.0%", out)
    assert re.search(r"readme\.md\s+0\s+\d+\s+0\s+0\.0%", out)


# --- Checks --------------------------------------------------------------------------------------

def checked(tree: Path, entries: dict[str, str], capsys) -> tuple[int, str]:
    path = table(tree)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(translate.dump(entries), "utf-8")
    capsys.readouterr()
    main(["translate", "check", "--root", str(tree)])
    # The invented English matches no unit of the page; the tests using this look at the values' checks
    err = "".join(line for line in capsys.readouterr().err.splitlines(keepends=True)
                  if "matches no English unit" not in line)
    return (1 if err.strip() else 0), err


def test_check_passes_a_faithful_translation(tree: Path, capsys) -> None:
    english = ("The update is $\\theta_t = \\theta_{t-1} - \\alpha g_t$, see ![the plot](plot.svg).\n"
               "Broken: [nowhere](missing.py) and [outside](../../../etc/passwd).")
    code, err = checked(tree, {english: "更新は $\\theta_t = \\theta_{t-1} - \\alpha g_t$ です。![図](plot.svg)を参照。"
                                        "壊れたリンク: [どこでもない](missing.py)、[外](../../../etc/passwd)。"}, capsys)
    assert code == 0, err


def test_check_catches_a_dropped_formula(tree: Path, capsys) -> None:
    code, err = checked(tree, {"Returns $\\theta - \\alpha g$ and $x$.": "$\\theta - \\alpha g$ を返す。"}, capsys)
    assert code == 1 and "lacks formula 'x'" in err and "model.json:2:" in err


def test_check_catches_a_changed_link(tree: Path, capsys) -> None:
    code, err = checked(tree, {"See [the model](model.py).": "[モデル](other.py)を参照。"}, capsys)
    assert code == 1 and "lacks link 'model.py'" in err and "has link 'other.py'" in err


def test_check_catches_changed_inline_code(tree: Path, capsys) -> None:
    code, err = checked(tree, {"Call `step()` once.": "`step` を一度呼ぶ。"}, capsys)
    assert code == 1 and "lacks inline code 'step()'" in err


def test_check_catches_raw_html_outside_the_allowlist(tree: Path, capsys) -> None:
    code, err = checked(tree, {"Plain.": 'ただの文。<img src=x onerror="alert(1)">'}, capsys)
    assert code == 1 and "raw HTML outside the allowlist" in err


def test_check_reports_broken_json_with_line_and_column(tree: Path, capsys) -> None:
    path = table(tree)
    path.parent.mkdir(parents=True)
    path.write_text('{\n  "a": "b",\n  "c": 3\n}\n', "utf-8")
    assert main(["translate", "check", "--root", str(tree)]) == 1
    # At the value, in the one `path:line:col:` format
    assert f"{path}:3:8: the translation of 'c' must be a string" in capsys.readouterr().err
    path.write_text('{\n  "a": "b"\n  "c": "d"\n}\n', "utf-8")
    assert main(["translate", "check", "--root", str(tree)]) == 1
    assert f"{path}:3:3: not valid JSON: Expecting ',' delimiter" in capsys.readouterr().err


def test_check_catches_lost_interface_placeholders(tree: Path, capsys) -> None:
    path = table(tree, "_ui.json")
    path.parent.mkdir(parents=True)
    path.write_text(translate.dump({"line %(line)s": "行"}), "utf-8")
    assert main(["translate", "check", "--root", str(tree)]) == 1
    assert "placeholders of 'line %(line)s' differ" in capsys.readouterr().err


# --- Translated sites ----------------------------------------------------------------------------

def test_hostile_table_cannot_inject_anything(tree: Path, tmp_path: Path) -> None:
    main(["translate", "update", "--root", str(tree)])
    hostile = ('<script>alert(1)</script> <img src=x onerror="alert(2)"> '
               '[click](javascript:alert(3)) <a href="javascript:alert(4)" onclick="alert(5)">x</a> '
               '<iframe src="https://evil.example"></iframe> <svg onload="alert(6)"></svg>')
    translate_all(table(tree), lambda english: hostile)
    translate_all(table(tree, "_ui.json"), lambda english: '<script>alert("ui")</script>')
    out = tmp_path / "html"
    build(load(tree, out=out))
    pages = list((out / "ja").rglob("*.html"))
    assert pages
    for page in pages:
        elements = Elements()
        elements.feed(page.read_text("utf-8"))
        assert not {"iframe", "svg", "object", "embed"} & {tag for tag, _ in elements.found}, page
        # The only scripts are the site's own: the theme line in <head> and site.js
        scripts = [dict(attributes).get("src") for tag, attributes in elements.found if tag == "script"]
        assert len(scripts) == 2 and scripts[0] is None and scripts[1].endswith("_static/site.js"), scripts
        assert "alert" not in elements.script_text
        for tag, attributes in elements.found:
            for name, value in attributes:
                assert not name.startswith("on"), (page, tag, name)
                assert not (value or "").strip().lower().startswith("javascript:"), (page, tag, name, value)


class Elements(HTMLParser):
    """Every element of a page with its attributes, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.script_text = ""
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text += data


def test_missing_tables_give_english_pages_with_a_notice(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    build(load(tree, out=out))
    page = (out / "ja" / "model.html").read_text("utf-8")
    assert '<html lang="ja">' in page
    assert '<div class="untranslated" lang="en"><p class="untranslated-note" lang="ja">' in page
    assert 'class="notice"' in page and "This page is not translated yet" in page and "0 of" not in page


def test_translated_page_switches_language_and_keeps_code_and_formulas(tree: Path, tmp_path: Path) -> None:
    main(["translate", "update", "--root", str(tree)])
    translate_all(table(tree), lambda english: english.replace("A model", "モデル").replace("Update", "更新"))
    out = tmp_path / "html"
    report = build(load(tree, out=out))
    english = (out / "model.html").read_text("utf-8")
    japanese = (out / "ja" / "model.html").read_text("utf-8")
    assert "モデル" in japanese and 'class="untranslated"' not in japanese and 'class="notice"' not in japanese
    # Language switcher to the same page, alternates, own canonical
    assert '<a href="../model.html" hreflang="en" lang="en">English</a>' in japanese
    assert '<link rel="canonical" href="https://fixture.example.org/docs/ja/model.html">' in japanese
    assert '<link rel="alternate" hreflang="en" href="https://fixture.example.org/docs/model.html">' in japanese
    assert '<a href="ja/model.html" hreflang="ja" lang="ja">日本語</a>' in english
    # The same code column, the same formulas, the same section anchors
    code = lambda html: re.findall(r'<pre[^>]*>(.*?)</pre>', html, re.DOTALL)  # the Japanese one is marked lang="en"
    assert code(japanese) == code(english)
    tex = lambda html: sorted(re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', html))
    assert tex(japanese) == tex(english) and tex(english)
    anchors = lambda html: re.findall(r'<section class="row[^"]*" id="([^"]+)"', html)
    assert anchors(japanese) == anchors(english)
    # Images live once, in the root tree
    assert 'src="../plot.svg"' in japanese
    # (most units are left as the English here, which the checks rightly point out)
    assert not [p for p in report.problems if "translation" in p.message and "identical" not in p.message]


def test_sitemap_lists_alternates(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    build(load(tree, out=out))
    sitemap = (out / "sitemap.xml").read_text()
    assert "<loc>https://fixture.example.org/docs/ja/model.html</loc>" in sitemap
    assert '<xhtml:link rel="alternate" hreflang="ja" href="https://fixture.example.org/docs/ja/model.html"/>' in sitemap


def test_a_broken_table_is_a_build_problem_not_a_crash(tree: Path, tmp_path: Path) -> None:
    path = table(tree)
    path.parent.mkdir(parents=True)
    path.write_text("{ not json", "utf-8")
    report = build(load(tree, out=tmp_path / "html"))
    assert any(str(p).startswith(f"{path}:1:") and "not valid JSON" in str(p) for p in report.problems)
    assert (tmp_path / "html" / "ja" / "model.html").is_file()


# --- The seven ways the workflow used to fail a translator (issue 10) ---------------------------

def translated_tree(tree: Path) -> Path:
    main(["translate", "update", "--root", str(tree)])
    translate_all(table(tree), lambda english: f"訳 {english}" if not english.startswith("#") else english + " 訳")
    return tree


def ja_page(tree: Path, tmp_path: Path):
    out = tmp_path / "html"
    report = build(load(tree, out=out))
    return report, (out / "ja" / "model.html").read_text("utf-8")


def test_1_a_changed_english_unit_is_shown_in_english_until_its_translation_is_confirmed(
        tree: Path, tmp_path: Path, capsys) -> None:
    translated_tree(tree)
    source = tree / "pkg" / "model.py"
    old = "A comment with no heading gets a numbered anchor"
    source.write_text(source.read_text().replace(old, "A comment with no heading gets an unnumbered anchor"))
    assert main(["translate", "update", "--root", str(tree)]) == 0
    report, page = ja_page(tree, tmp_path)
    # The old translation is kept for the translator, but not published as current
    assert any(value.startswith(f"訳 {old}") for value in read(table(tree)).values())
    assert f"訳 {old}" not in page and "gets an unnumbered anchor" in page
    assert '<div class="untranslated stale" lang="en">' in page  # marked as awaiting an update, not as new
    assert 'class="notice"' in page
    assert any("awaiting an updated translation" in note and "unnumbered" in note for note in report.notes)
    capsys.readouterr()
    main(["translate", "status", "--root", str(tree), "--verbose"])
    out = capsys.readouterr().out
    assert re.search(r"model\.py\s+\d+\s+0\s+1\s", out)
    assert re.search(r"review\s+'A comment with no heading gets an unnumbered", out)
    # Confirming it (here by removing it from the review file) publishes it again
    translate.sidecar(table(tree), "review").unlink()
    assert f"訳 {old}" in ja_page(tree, tmp_path / "again")[1]


def test_2_a_placeholder_typo_falls_back_to_english_and_is_reported(tree: Path, tmp_path: Path) -> None:
    main(["translate", "update", "--root", str(tree)])
    ui = table(tree, "_ui.json")
    notice = next(k for k in read(ui) if "%(done)s" in k)
    entries = read(ui)
    entries[notice] = "%(don)s / %(total)s 部分を翻訳済み"
    entries["line %(line)s"] = "100% の %(line)s 行"  # a stray percent sign is just as bad
    ui.write_text(translate.dump(entries), "utf-8")
    translate_all(table(tree), lambda english: english if english.startswith("#") else "")  # partly translated
    report, page = ja_page(tree, tmp_path)
    assert "parts are translated" in page  # the English notice, filled in
    problems = [str(p) for p in report.problems if p.path == str(ui)]
    line = ui.read_text("utf-8").split("\n").index(next(l for l in ui.read_text("utf-8").split("\n") if "%(don)s" in l)) + 1
    assert any(p.startswith(f"{ui}:{line}:") and "placeholders" in p for p in problems), problems
    assert any("stray %" in p for p in problems), problems


def test_3_a_duplicate_key_is_reported_with_both_lines_and_update_refuses(tree: Path, capsys) -> None:
    path = table(tree)
    path.parent.mkdir(parents=True)
    path.write_text('{\n  "# A model": "# モデル",\n  "## Update": "## 更新",\n  "# A model": "# 模型"\n}\n', "utf-8")
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["translate", "check", "--root", str(tree)]) == 1
    assert f"{path}:4:3: '# A model' is written twice, at lines 2 and 4" in capsys.readouterr().err
    assert main(["translate", "update", "--root", str(tree)]) == 2
    assert path.read_bytes() == before
    assert "written twice (lines 2 and 4)" in capsys.readouterr().err


def test_4_a_reflowed_paragraph_keeps_its_translation_and_passes_the_checks(tree: Path, capsys) -> None:
    translated_tree(tree)
    source = tree / "pkg" / "model.py"
    text = source.read_text()
    reflowed = text.replace("The update is $\\theta_t = \\theta_{t-1} - \\alpha g_t$, see",
                            "The update is $\\theta_t =\n\\theta_{t-1} - \\alpha g_t$,\nsee")
    assert reflowed != text
    source.write_text(reflowed)
    capsys.readouterr()
    assert main(["translate", "update", "--root", str(tree)]) == 0
    assert not translate.sidecar(table(tree), "review").exists()
    key = next(k for k in read(table(tree)) if k.startswith("The update is"))
    assert "=\n\\theta_{t-1}" in key and read(table(tree))[key].startswith("訳 The update is $\\theta_t = \\theta")
    capsys.readouterr()
    main(["translate", "check", "--root", str(tree)])
    assert "formula" not in capsys.readouterr().err


_WORD = st.sampled_from(["alpha", "beta,", "$x_t$", "`f(x)`", "$a + b$", "(see", "[link](a.py).", "学習率", "$$"])


@given(st.lists(_WORD, min_size=1, max_size=30), st.lists(st.sampled_from([" ", "\n", "  ", " \n  "]), min_size=30))
def test_4_reflow_never_changes_a_unit(words: list[str], breaks: list[str]) -> None:
    one_line = " ".join(words)
    reflowed = "".join(word + gap for word, gap in zip(words, breaks)).strip()
    assert translate.normalise(reflowed) == translate.normalise(one_line)


def test_4_a_list_is_never_taken_for_a_reflowed_paragraph() -> None:
    assert translate.normalise("one\ntwo   three") == translate.normalise("one two\nthree")
    assert translate.normalise("- one\n- two") != translate.normalise("- one - two")
    assert translate.normalise("- one\n  - two") != translate.normalise("- one\n- two")
    assert translate.normalise("```\nx =  1\n```") != translate.normalise("```\nx = 1\n```")


@pytest.mark.parametrize("english, translation, message", [
    ("Returns $\\theta - \\alpha g$ and $x$.", "$\\theta - \\alpha g$ を返す。", "lacks formula 'x'"),
    ("See [the model](model.py).", "[モデル](other.py)を参照。", "has link 'other.py'"),
    ("- one\n- two\n- three", "一、二、三。", "list structure differs"),
    ("## Update", "### 更新", "heading level differs: the English has ##, the translation ###"),
    ("A whole sentence.", "A whole sentence.", "identical to the English"),
])
def test_5_build_checks_every_table_it_uses(tree: Path, tmp_path: Path, english: str, translation: str,
                                            message: str) -> None:
    path = table(tree)
    path.parent.mkdir(parents=True)
    path.write_text(translate.dump({"# A model": "# モデル", english: translation}), "utf-8")
    report = build(load(tree, out=tmp_path / "html"))
    # (the invented English matches no unit of the page: that problem is reported at the key)
    found = [str(p) for p in report.problems if p.path == str(path) and "matches no English unit" not in p.message]
    # Each at the value's own line and column
    column = len('  ' + json.dumps(english, ensure_ascii=False) + ': ') + 1
    assert found and all(p.startswith(f"{path}:3:{column}: ") for p in found), found
    assert any(message in p for p in found), found
    assert main(["build", "--root", str(tree), "--out", str(tmp_path / "strict"), "--strict"]) == 1


def test_6_a_single_backslash_before_b_is_reported_at_the_escape(tree: Path, capsys) -> None:
    code, err = checked(tree, {"Uses $\\beta$.": "$\\beta$ を使う。"}, capsys)
    assert code == 0, err
    path = table(tree)
    path.write_text('{\n  "Uses $\\\\beta$.": "ここで $\\beta$ を使う。"\n}\n', "utf-8")
    assert main(["translate", "check", "--root", str(tree)]) == 1
    column = path.read_text("utf-8").split("\n")[1].index("\\beta$ を") + 1
    err = capsys.readouterr().err
    assert f'{path}:2:{column}: control character "\\b" in the translation' in err
    assert 'write "\\\\beta"' in err


def test_6_a_paragraph_restored_word_for_word_gets_its_translation_back_unmarked(tree: Path) -> None:
    translated_tree(tree)
    source = tree / "pkg" / "model.py"
    original = source.read_text()
    step_comment = "    # ### Step\n    # The same formula again: $\\theta_t = \\theta_{t-1} - \\alpha g_t$.\n"
    source.write_text(original.replace(step_comment, ""))
    main(["translate", "update", "--root", str(tree)])
    assert translate.sidecar(table(tree), "obsolete").exists()
    source.write_text(original)
    main(["translate", "update", "--root", str(tree)])
    step = next(k for k in read(table(tree)) if k.startswith("### Step"))
    assert read(table(tree))[step] == step + " 訳"
    assert not translate.sidecar(table(tree), "review").exists()
    assert not translate.sidecar(table(tree), "obsolete").exists()


def test_6_translation_memory_prefills_exact_and_near_matches_for_review(tree: Path) -> None:
    translated_tree(tree)
    readme = tree / "pkg" / "readme.md"
    readme.write_text(readme.read_text() + "\n\n## Update\n\nFront matter gives a title and a meta description.\n\n"
                      "Nothing like this anywhere else.\n")
    main(["translate", "update", "--root", str(tree)])
    entries = read(table(tree, "readme.json"))
    review = translate.load_table(table(tree, "readme.json")).review
    assert entries["## Update"] == "## Update 訳" and review["## Update"] == "## Update"
    near = "Front matter gives a title and a meta description."
    assert entries[near] == "訳 Front matter gives the title and the meta description."
    assert review[near] == "Front matter gives the title and the meta description."
    assert entries["Nothing like this anywhere else."] == ""
    # Offered, not published: shown in English until the translator accepts it
    assert translate.load_table(table(tree, "readme.json")).get("## Update") is None


def test_review_accepts_edits_and_skips_in_the_terminal(tree: Path, monkeypatch, capsys) -> None:
    translated_tree(tree)
    source = tree / "pkg" / "model.py"
    text = source.read_text()
    text = text.replace("A comment with no heading gets a numbered anchor", "A comment with no heading gets an anchor")
    text = text.replace("The same formula again:", "The very same formula again:")
    source.write_text(text)
    main(["translate", "update", "--root", str(tree)])
    assert len(translate.load_table(table(tree)).review) == 2
    answers = iter(["e", "訳 改めて同じ式 $\\theta_t = \\theta_{t-1} - \\alpha g_t$。", ".", "s"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    capsys.readouterr()
    assert main(["translate", "review", "--root", str(tree)]) == 0
    out = capsys.readouterr().out
    assert "The {+very+} same formula again" in out
    entries, review = read(table(tree)), translate.load_table(table(tree)).review
    edited = next(k for k in entries if "very same" in k)
    assert entries[edited] == "訳 改めて同じ式 $\\theta_t = \\theta_{t-1} - \\alpha g_t$。" and edited not in review
    assert list(review) == [next(k for k in entries if "gets an anchor" in k)]  # skipped: still waiting


# --- Everything a reader sees is translatable ----------------------------------------------------

def test_separators_and_locale_come_from_the_language_and_english_only_pages_say_so(tree: Path, tmp_path: Path) -> None:
    settings = tree / "pyproject.toml"
    (tree / "tools").mkdir()
    (tree / "tools" / "helper.py").write_text('"""\n# Helper\n\nA tool kept in English.\n"""\nX = 1\n')
    settings.write_text(settings.read_text() + '\n[[tool.site_gen.sources]]\ndir = "tools"\nprefix = "tools"\n'
                        'title = "Tools"\ntranslate = false\n')
    main(["translate", "update", "--root", str(tree)])
    ui = table(tree, "_ui.json")
    entries = read(ui)
    entries.update({"View source: %(path)s": "ソース：%(path)s", "%(page)s: %(summary)s": "%(page)s——%(summary)s",
                    "%(page)s · %(site)s": "%(page)s｜%(site)s"})
    ui.write_text(translate.dump(entries), "utf-8")
    translate_all(table(tree), lambda english: english + " 訳" if english.startswith("#") else f"訳 {english}")
    out = tmp_path / "html"
    build(load(tree, out=out))
    page = (out / "ja" / "model.html").read_text("utf-8")
    assert '<meta property="og:locale" content="ja_JP">' in page
    assert '<title>訳 The model &amp; its update｜Fixture site</title>' in page
    assert "ソース：<code>pkg/model.py</code>" in page
    home = (out / "ja" / "index.html").read_text("utf-8")
    assert re.search(r'<li><a href="model.html">訳 The model &amp; its update</a>——訳 Front matter', home)
    # The English-only section is listed, marked as English
    assert re.search(r'<li lang="en"><a href="tools/helper.html">Helper</a></li>', home)
    assert '<meta property="og:locale" content="en_US">' in (out / "model.html").read_text("utf-8")


def test_the_builds_checks_are_remembered_only_while_tables_and_units_stay_the_same(tree: Path, tmp_path: Path) -> None:
    translated_tree(tree)
    config = load(tree, out=tmp_path / "html")
    path = table(tree)
    assert not [p for p in build(config).problems if p.path == str(path)]
    entries = read(path)
    heading = "## Update"
    entries[heading] = "### 更新"
    path.write_text(translate.dump(entries), "utf-8")
    assert any("heading level differs" in p.message for p in build(config).problems if p.path == str(path))
    # A changed English unit (the same table bytes) is noticed too: it now awaits review
    source = tree / "pkg" / "model.py"
    source.write_text(source.read_text().replace("gets a numbered anchor", "gets a numbered id"))
    main(["translate", "update", "--root", str(tree)])
    assert any("awaiting an updated translation" in note for note in build(config).notes)


def test_a_problem_found_rendering_a_translation_is_reported_at_that_translation(tree: Path, tmp_path: Path) -> None:
    path = table(tree)
    path.parent.mkdir(parents=True)
    path.write_text(translate.dump({"# A model": "# モデル", "## Update": "## 更新 [壊れた](nowhere.py)"}), "utf-8")
    report = build(load(tree, out=tmp_path / "html"))
    broken = [str(p) for p in report.problems if p.path == str(path) and "nowhere.py" in p.message and "broken" in p.message]
    column = path.read_text("utf-8").split("\n")[2].index('"## 更新') + 1  # the value's opening quote
    assert broken and broken[0].startswith(f"{path}:3:{column}: "), broken


# --- Figures in every language -------------------------------------------------------------------

def test_strings_marked_in_code_are_units_with_their_line(tree: Path, tmp_path: Path) -> None:
    source = tree / "pkg" / "model.py"
    source.write_text(source.read_text() + '\n\ndef draw(ax, _=str):\n    ax.set_title(_("Loss per step"))\n'
                      '    ax.set_xlabel(_("$t$"))  # no words: not a unit\n    ax.set_ylabel(label("not marked"))\n')
    main(["translate", "update", "--root", str(tree)])
    units = list(read(table(tree)))
    assert units[-1] == "Loss per step" and "not marked" not in units and "$t$" not in units
    main(["translate", "export", "--root", str(tree), "--out", str(tmp_path / "po")])
    text = (tmp_path / "po" / "ja" / "model.po").read_text("utf-8")
    line = source.read_text().split("\n").index('    ax.set_title(_("Loss per step"))') + 1
    assert f'#: pkg/model.py:{line}\nmsgid "Loss per step"' in text


def test_an_image_drawn_in_the_pages_language_replaces_the_english_one(tree: Path, tmp_path: Path) -> None:
    config = load(tree, out=tmp_path / "html")
    build(config)
    assert 'src="../plot.svg"' in (tmp_path / "html" / "ja" / "model.html").read_text("utf-8")
    (tree / "pkg" / "plot.ja.svg").write_text((tree / "pkg" / "plot.svg").read_text().replace("</svg>", "<!-- ja --></svg>"))
    build(config)  # the cache must notice the new file
    japanese = (tmp_path / "html" / "ja" / "model.html").read_text("utf-8")
    assert 'src="../plot.ja.svg"' in japanese and 'src="../plot.svg"' not in japanese
    assert 'src="plot.svg"' in (tmp_path / "html" / "model.html").read_text("utf-8")
    assert "<!-- ja -->" in (tmp_path / "html" / "plot.ja.svg").read_text()


def test_the_figures_words_are_translated_in_every_language() -> None:
    figures = pytest.importorskip("labml_nn.optimizers.figures")
    marked = [text for text, _ in translate.marked_strings(Path(figures.__file__).read_text("utf-8"))]
    assert "learning rate" in marked
    assert figures.words("en")("learning rate") == "learning rate"
    for lang in ("ja", "zh"):
        drawn = figures.words(lang)
        assert all(drawn(text) != text for text in marked), [t for t in marked if drawn(t) == t]
    assert figures.words("ja")("learning rate") == "学習率"


@settings(max_examples=300)
@given(st.text(alphabet="a\n\r é", max_size=40), st.data())
def test_positions_found_at_once_are_those_counted_one_by_one(text: str, data) -> None:
    """A table's positions come from its line starts, found once: the same as counting newlines for each."""
    from site_gen.translate import _line_column, _line_columns

    offsets = data.draw(st.lists(st.integers(0, len(text)), max_size=10))
    line_column = _line_columns(text)
    assert [line_column(offset) for offset in offsets] == [_line_column(text, offset) for offset in offsets]
