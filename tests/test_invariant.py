"""
The build's central promise, tested as a state machine: after any sequence of
everyday edits, an incremental build writes byte for byte the same site, with
the same warnings, as a `--no-cache` build of the same tree, and neither
crashes.

Hypothesis picks the edits (prose, code, formulas; sources added, deleted and
renamed; images in normal and hidden folders; linked files; settings;
templates and static files; translation tables and the interface table; edits
that keep a file's size and modification time, even a time long ago; pages of
the built site changed or deleted by hand) and
shrinks any failure to the shortest sequence that shows it. The fast run is
part of `make test`; the slow one runs longer sequences. Run longer or with
another seed:

    SITE_GEN_STEPS=200 SITE_GEN_EXAMPLES=20 pytest tests/test_invariant.py -m slow
    pytest tests/test_invariant.py --hypothesis-seed=12345
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from site_gen.cli import main

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="{0}" height="4"/></svg>\n'

PROSE = st.sampled_from([
    "The update moves against the gradient.",
    "A *second* paragraph with `code` and a [link](a.py).",
    "## Step\n\nSee [the step](a.py#step) and [nowhere](a.py#nowhere).",
    "Costs \\$5, or $5 if unmatched.",
    "See the [folder](sub/) and the [data](data.csv).",
    "![figure](fig.svg) and ![hidden](.figures/fig.svg)",
    "A claim[^1].\n\n[^1]: Its footnote.",  # footnote numbers run on across a page's sections
])
FORMULA = st.sampled_from(["\\hat{m}_t", "\\beta_1^t", "\\frac{a}{b}", "\\frac{a", "x_i + y_i"])
NAME = st.sampled_from(["a.py", "b.py", "sub/c.py", "sub/__init__.py", ".hidden/d.py"])
LONG_AGO = 1_600_000_000_000_000_000  # ns: September 2020
JAPANESE = st.sampled_from(["勾配の逆向きに進みます。", "第二の段落です。", "## 手順"])


def page(title: str, prose: str, formula: str, code: str) -> str:
    return (f'r"""\n# {title}\n\n{prose}\n\nThe rule is ${formula}$.\n"""\n\n'
            f"# ## Step\n#\n# {prose}\n{code}\n")


class IncrementalEqualsClean(RuleBasedStateMachine):
    """A small project, edited step by step; after each step both builds must agree."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="site-gen-invariant-"))
        self.root = self.tmp / "project"
        self.pkg = self.root / "pkg"
        self.saved_tables: dict[Path, str] = {}
        self.step = 0

    # ## The project

    @initialize()
    def project(self) -> None:
        self.pkg.mkdir(parents=True)
        (self.pkg / "__init__.py").write_text("VERSION = 1\n")  # no docstring: the root's title names it
        (self.pkg / "a.py").write_text(page("Alpha", "The update moves against the gradient.", "\\hat{m}_t",
                                            "def step(x):\n    return x - 1\n"))
        (self.pkg / "sub").mkdir()
        (self.pkg / "sub" / "c.py").write_text(page("Gamma", "See [alpha](../a.py).", "x_i", "C = 3\n"))
        (self.pkg / "fig.svg").write_text(SVG.format(1))
        (self.pkg / ".figures").mkdir()
        (self.pkg / ".figures" / "fig.svg").write_text(SVG.format(2))
        (self.pkg / "data.csv").write_text("a,b\n1,2\n")
        (self.pkg / "notes").mkdir()  # enough outputs for a build with two jobs to fork its workers
        for n in range(4):
            (self.pkg / "notes" / f"n{n}.py").write_text(f'"""\n# Note {n}\n\nA note.\n"""\n\nN = {n}\n')
        shutil.copytree(TEMPLATES, self.root / "templates")
        self.settings = dict(title="Small site", site_url="https://small.example.org/", languages=["en", "ja"],
                             root_title="The package", prefix="")
        self.write_settings()
        main(["translate", "update", "--root", str(self.root)])

    def write_settings(self) -> None:
        s = self.settings
        languages = ", ".join(f'"{lang}"' for lang in s["languages"])
        (self.root / "pyproject.toml").write_text(
            f'[tool.site_gen]\ntitle = "{s["title"]}"\nsite_url = "{s["site_url"]}"\nlanguages = [{languages}]\n'
            f'repo_url = "https://git.example.org/small"\n\n'
            f'[[tool.site_gen.sources]]\ndir = "pkg"\ntitle = "{s["root_title"]}"\nprefix = "{s["prefix"]}"\n'
        )

    def sources(self) -> list[Path]:
        return sorted(p for p in self.pkg.rglob("*.py") if "notes" not in p.parts)  # the notes only make up numbers

    # ## Edits of the sources

    @rule(data=st.data(), prose=PROSE)
    def edit_prose(self, data: st.DataObject, prose: str) -> None:
        path = data.draw(st.sampled_from(self.sources()))
        text = path.read_text()
        if '"""' in text:
            text = re.sub(r'(?s)(r"""\n# [^\n]*\n\n).*?(\n\nThe rule)', lambda m: m[1] + prose + m[2], text, count=1)
        else:
            text = f'"""\n{prose}\n"""\n' + text
        path.write_text(text)

    @rule(data=st.data(), prose=PROSE)
    def edit_comment(self, data: st.DataObject, prose: str) -> None:
        """The prose of a page's second section only: the sections before and after it are rendered as they were."""
        path = data.draw(st.sampled_from(self.sources()))
        comment = "\n".join(f"# {line}".rstrip() for line in prose.split("\n"))
        path.write_text(re.sub(r"(?m)^# ## Step\n#\n(?:#.*\n)*", lambda m: f"# ## Step\n#\n{comment}\n",
                               path.read_text(), count=1))

    @rule(data=st.data(), number=st.integers(0, 9))
    def edit_code(self, data: st.DataObject, number: int) -> None:
        path = data.draw(st.sampled_from(self.sources()))
        path.write_text(path.read_text() + f"VALUE_{number} = {number}\n")

    @rule(data=st.data(), formula=FORMULA)
    def edit_formula(self, data: st.DataObject, formula: str) -> None:
        path = data.draw(st.sampled_from(self.sources()))
        path.write_text(re.sub(r"The rule is \$.*?\$\.", lambda m: f"The rule is ${formula}$.", path.read_text()))

    @rule(name=NAME, title=st.sampled_from(["Beta", "Delta"]), prose=PROSE, formula=FORMULA)
    def add_source(self, name: str, title: str, prose: str, formula: str) -> None:
        path = self.pkg / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page(title, prose, formula, "B = 2\n"))

    @precondition(lambda self: len(self.sources()) > 1)
    @rule(data=st.data())
    def delete_source(self, data: st.DataObject) -> None:
        data.draw(st.sampled_from(self.sources())).unlink()

    @rule(data=st.data(), name=NAME)
    def rename_source(self, data: st.DataObject, name: str) -> None:
        path = data.draw(st.sampled_from(self.sources()))
        target = self.pkg / name
        target.parent.mkdir(parents=True, exist_ok=True)
        path.rename(target)

    # ## Images and linked files

    @rule(hidden=st.booleans(), width=st.integers(1, 3))
    def add_image(self, hidden: bool, width: int) -> None:
        path = self.pkg / (".figures/fig.svg" if hidden else "fig.svg")
        path.parent.mkdir(exist_ok=True)
        path.write_text(SVG.format(width))

    @rule(hidden=st.booleans())
    def delete_image(self, hidden: bool) -> None:
        (self.pkg / (".figures/fig.svg" if hidden else "fig.svg")).unlink(missing_ok=True)

    @rule(present=st.booleans())
    def linked_file(self, present: bool) -> None:
        path = self.pkg / "data.csv"
        if present:
            path.write_text("a,b\n1,2\n")
        else:
            path.unlink(missing_ok=True)

    # ## Settings

    @rule(key=st.sampled_from(["title", "site_url", "languages", "root_title", "prefix"]), choice=st.integers(0, 1))
    def change_setting(self, key: str, choice: int) -> None:
        options = dict(title=["Small site", "Another title"],
                       site_url=["https://small.example.org/", "https://elsewhere.example.net/docs/"],
                       languages=[["en", "ja"], ["en"]], root_title=["The package", "Renamed root"],
                       prefix=["", "api"])
        self.settings[key] = options[key][choice]
        self.write_settings()

    # ## Templates and static files

    @rule(which=st.sampled_from(["page.html", "base.html", "static/site.css", "static/site.js"]),
          number=st.integers(0, 3))
    def edit_template(self, which: str, number: int) -> None:
        path = self.root / "templates" / which
        text = path.read_text()
        comment = (f"{{# edit {number} #}}\n<!-- edit {number} -->\n" if which.endswith(".html")
                   else f"/* edit {number} */\n")
        path.write_text(text + comment)

    # ## Translations

    def tables(self) -> list[Path]:
        folder = self.root / "translations" / "ja"
        return sorted(folder.rglob("*.json")) if folder.is_dir() else []

    @precondition(lambda self: self.tables())
    @rule(data=st.data(), japanese=JAPANESE)
    def translate_unit(self, data: st.DataObject, japanese: str) -> None:
        path = data.draw(st.sampled_from(self.tables()))
        table = json.loads(path.read_text())
        if table:
            english = data.draw(st.sampled_from(sorted(table)))
            table[english] = japanese
            path.write_text(json.dumps(table, ensure_ascii=False, indent=2) + "\n")

    @precondition(lambda self: self.tables())
    @rule(data=st.data())
    def delete_table(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(self.tables()))
        self.saved_tables[path] = path.read_text()
        path.unlink()

    @precondition(lambda self: self.saved_tables)
    @rule()
    def restore_tables(self) -> None:
        for path, text in self.saved_tables.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        self.saved_tables.clear()

    @rule()
    def update_tables(self) -> None:
        main(["translate", "update", "--root", str(self.root)])

    # ## Edits of the built site

    @precondition(lambda self: (self.tmp / "incremental").is_dir())
    @rule(data=st.data(), how=st.sampled_from(["same size", "same size and time", "appended", "deleted"]))
    def edit_output(self, data: st.DataObject, how: str) -> None:
        """
        A page of the last build changed or deleted by hand: the next build
        puts it back (the stamp knows each page's hash and how its file looked).
        """
        pages = sorted((self.tmp / "incremental").rglob("*.html"))
        path = data.draw(st.sampled_from(pages))
        if how == "deleted":
            path.unlink()
        else:
            before, text = path.stat(), path.read_bytes()
            path.write_bytes(text.replace(b"<", b"(", 1) if how.startswith("same size") else text + b"<!-- mine -->\n")
            if how == "same size and time":
                os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    # ## Edits the file's size and time do not show

    def edited_files(self) -> list[Path]:
        return self.sources() + self.tables()

    @rule(data=st.data())
    def set_time_back(self, data: st.DataObject) -> None:
        """As an archive, `touch -d` or a careless tool leave it: the content as it was, a time long ago."""
        os.utime(data.draw(st.sampled_from(self.edited_files())), ns=(LONG_AGO, LONG_AGO))

    @rule(data=st.data())
    def edit_keeping_size_and_time(self, data: st.DataObject) -> None:
        """One letter's case swapped, the modification time set back to what it was."""
        path = data.draw(st.sampled_from(self.edited_files()))
        before, text = path.stat(), path.read_bytes()
        letters = [i for i, byte in enumerate(text) if chr(byte).isascii() and chr(byte).isalpha()]
        if letters:
            at = letters[-1]
            path.write_bytes(text[:at] + bytes([text[at] ^ 0x20]) + text[at + 1:])
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    # ## The invariant

    @invariant()
    def check(self) -> None:
        """
        Through the command line, as a user builds: its shortcut for a build
        with nothing to do is tested too. The clean build forks workers, so a
        problem found in a worker must be reported as one found in this process.
        """
        self.step += 1
        clean = self.tmp / f"clean-{self.step}"
        incremental_code, incremental_warnings = self.cli("--out", str(self.tmp / "incremental"), "--jobs", "1")
        clean_code, clean_warnings = self.cli("--out", str(clean), "--no-cache", "--jobs", "2")
        assert incremental_code == clean_code == 0
        assert incremental_warnings == clean_warnings
        assert site(self.tmp / "incremental") == site(clean)
        shutil.rmtree(clean)

    def cli(self, *options: str) -> tuple[int, list[str]]:
        """Exit code and the warnings (`path:line: message`) of a build."""
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["build", "--root", str(self.root), *options])
        return code, [line for line in err.getvalue().splitlines() if not line.startswith("note:")]

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def site(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _settings(examples: int, steps: int) -> settings:
    return settings(max_examples=examples, stateful_step_count=steps, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def test_incremental_build_equals_clean_build() -> None:
    IncrementalEqualsClean.TestCase.settings = _settings(int(os.environ.get("SITE_GEN_EXAMPLES", 6)),
                                                         int(os.environ.get("SITE_GEN_STEPS", 15)))
    IncrementalEqualsClean.TestCase().runTest()


@pytest.mark.slow
def test_incremental_build_equals_clean_build_long_run() -> None:
    IncrementalEqualsClean.TestCase.settings = _settings(int(os.environ.get("SITE_GEN_EXAMPLES", 2)),
                                                         int(os.environ.get("SITE_GEN_STEPS", 200)))
    IncrementalEqualsClean.TestCase().runTest()
