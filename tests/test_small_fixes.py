"""Small things a user meets: where a PO entry points, lock files, one-line tables, plurals, help, empty folders, listings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polib
import pytest

from site_gen import translate, write
from site_gen.build import build
from site_gen.cli import _parser, main
from site_gen.config import load


def project(tmp_path: Path, files: dict[str, str], languages: str = '["en", "ja"]') -> Path:
    (tmp_path / "pkg").mkdir()
    for name, text in files.items():
        (tmp_path / "pkg" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pkg" / name).write_text(text)
    (tmp_path / "pyproject.toml").write_text(f'[tool.site_gen]\ntitle = "Q"\nlanguages = {languages}\n'
                                             '[[tool.site_gen.sources]]\ndir = "pkg"\n')
    return tmp_path


def test_a_po_entry_for_a_paragraph_with_a_tab_points_at_its_line(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.py": '"""\n# A\n"""\n\n\ndef f():\n    """\n    First.\n\n    Tab\there.\n    """\n'})
    assert main(["translate", "update", "--root", str(root)]) == 0
    table = root / "translations" / "ja" / "a.json"
    table.write_text(translate.dump({k: f"訳 {k}" for k in json.loads(table.read_text())}))
    assert main(["translate", "export", "--root", str(root), "--out", str(tmp_path / "po")]) == 0
    entry = next(e for e in polib.pofile(str(tmp_path / "po" / "ja" / "a.po")) if e.msgid.startswith("Tab"))
    assert entry.occurrences == [("pkg/a.py", "10")]


def test_no_lock_file_is_left_after_a_build(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.py": '"""\n# A\n"""\n'})
    out = tmp_path / "html"
    build(load(root, out=out))
    assert not write.lock_path(out).exists()
    build(load(root, out=out))  # and the next build locks afresh
    assert not write.lock_path(out).exists()


def test_a_key_twice_on_one_line_is_located_by_column(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"a.py": '"""\n# A\n"""\n'})
    table = root / "translations" / "ja" / "a.json"
    table.parent.mkdir(parents=True)
    table.write_text('{"# A": "一", "# A": "二"}')
    assert main(["translate", "check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "line 1, columns 2 and 14" in err and "lines 1 and 1" not in err
    assert main(["translate", "update", "--root", str(root)]) != 0
    assert "line 1, columns 2 and 14" in capsys.readouterr().err


def test_counts_of_one_are_singular(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"a.py": '"""\n# A\n\n[x](#nope)\n"""\n'}, languages='["en"]')
    (tmp_path / "pkg" / "sub").mkdir()
    main(["build", "--root", str(root), "--out", str(tmp_path / "html"), "--no-cache"])
    out = capsys.readouterr().out
    assert re.search(r"built 1 page \(", out) and "1 warning " in out and "1 warnings" not in out


@pytest.mark.parametrize("command", ["serve", "translate update", "translate check"])
def test_help_of_commands_without_source_dir_never_mentions_it(command: str) -> None:
    parser = _parser()
    sub = parser._subparsers._group_actions[0].choices[command.split()[0]]
    for word in command.split()[1:]:
        sub = sub._subparsers._group_actions[0].choices[word]
    assert "SOURCE_DIR" not in sub.format_help()


def test_building_an_empty_folder_says_so(tmp_path: Path) -> None:
    root = project(tmp_path, {"notes.txt": "nothing to publish"})
    report = build(load(root, out=tmp_path / "html"))
    assert [str(p) for p in report.problems] == [f"{tmp_path / 'pkg'}: no Python sources found in {tmp_path / 'pkg'}"]
    assert main(["build", "--root", str(root), "--out", str(tmp_path / "html"), "--strict", "--no-cache"]) == 1


def test_a_folder_listing_shows_its_title_once(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.py": '"""\n# A\n"""\n', "sub/__init__.py": '"""\n# Sub things\n"""\n',
                              "sub/b.py": '"""\n# B\n"""\n', "other/c.py": '"""\n# C\n"""\n'}, languages='["en"]')
    build(load(root, out=tmp_path / "html"))
    for page, title in (("sub/index.html", "Sub things"), ("other/index.html", "other"), ("index.html", "Q")):
        html = (tmp_path / "html" / page).read_text("utf-8")
        main_part = html[html.index("<main"):]
        assert len(re.findall(rf"<h[12][^>]*>(?:<a [^>]*>)?{re.escape(title)}<", main_part)) <= 1, page


@pytest.mark.parametrize("argv", [["build"], ["build", "src", "--out", "o", "-j", "2", "--strict"], ["serve", "--port", "9"],
                                  ["translate", "update", "--lang", "ja", "--prune"], ["translate", "import", "x.po"],
                                  ["build", "translate"]])
def test_a_parser_with_the_named_command_alone_reads_it_as_the_whole_one(argv: list[str]) -> None:
    assert _parser(argv).parse_args(argv) == _parser().parse_args(argv)


@pytest.mark.parametrize("argv", [["--help"], ["buidl"], ["build", "--bogus"], ["-h", "build"], ["--he", "build"],
                                  ["--", "build"], ["build", "--help"], ["translate", "-h"]])
def test_help_and_mistakes_say_what_the_whole_parser_says(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as whole:
        _parser().parse_args(argv)
    expected = capsys.readouterr()
    with pytest.raises(SystemExit) as chosen:
        _parser(argv).parse_args(argv)
    assert capsys.readouterr() == expected and chosen.value.code == whole.value.code


@pytest.mark.parametrize("data_at", ["sub"])
def test_a_file_of_another_source_folder_never_replaces_pages(tmp_path: Path, data_at: str) -> None:
    """Two source folders, one prefix: a data file where the other has a folder of pages (or a page) is not copied, and says so."""
    (tmp_path / "pyproject.toml").write_text('[tool.site_gen]\ntitle = "T"\n[[tool.site_gen.sources]]\ndir = "a"\n'
                                             '[[tool.site_gen.sources]]\ndir = "b"\n')
    (tmp_path / "a" / "sub").mkdir(parents=True)
    (tmp_path / "a" / "sub" / "__init__.py").write_text('"""# Sub"""\n')
    (tmp_path / "a" / "sub" / "x.py").write_text('"""# X"""\nx = 1\n')
    (tmp_path / "b" / data_at).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "b" / data_at).write_text("data\n")
    (tmp_path / "b" / "main.py").write_text(f'"""# B\n\n[raw data]({data_at})\n"""\n')
    report = build(load(tmp_path))
    out = tmp_path / "html"
    assert (out / "sub" / "index.html").is_file() and "<h1" in (out / "sub" / "x.html").read_text()
    assert [p.message for p in report.problems if "not copied" in p.message] == [
        f"not copied: '{data_at}' is a page or a folder of pages (two source folders share a prefix)"]
