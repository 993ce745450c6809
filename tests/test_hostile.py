"""Broken and hostile inputs: a clear message, every good page built, nothing lost."""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import os
import select
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from site_gen import produce, workers, write
from site_gen.build import BuildError, build
from site_gen.cli import main
from site_gen.config import load
from site_gen.split import source_lines, split

GOOD = '"""\n# Good page\n\nStill $x_1$ here.\n"""\nx = 1\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "good.py").write_text(GOOD)
    return tmp_path


def run(project: Path, *extra: str) -> tuple[int, str]:
    out = project / "html"
    code = main(["build", str(project / "src"), "--out", str(out), "--root", str(project), *extra])
    return code, ""


def build_src(project: Path, **kwargs):
    return build(load(project, source=project / "src", out=project / "html"), **kwargs)


def messages(report) -> list[str]:
    return [str(p) for p in report.problems]


def assert_good_page(project: Path) -> None:
    page = (project / "html" / "good.html").read_text("utf-8")
    assert "Good page" in page and "<math" in page


def test_non_utf8_source(project: Path) -> None:
    (project / "src" / "latin.py").write_bytes(b"# caf\xe9\nx = 1\n# ok\n")
    report = build_src(project)
    assert any(m.startswith("src/latin.py:1: not valid utf-8") for m in messages(report))
    assert "caf\ufffd" in (project / "html" / "latin.html").read_text("utf-8")
    assert_good_page(project)


def test_declared_encoding_is_honoured(project: Path) -> None:
    (project / "src" / "declared.py").write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\nx = 1\n")
    report = build_src(project)
    assert not messages(report)
    assert "café" in (project / "html" / "declared.html").read_text("utf-8")


def test_file_that_does_not_tokenize(project: Path) -> None:
    (project / "src" / "broken.py").write_text('# prose\nx = """never closed\n# more prose\n')
    report = build_src(project)
    assert any(m.startswith("src/broken.py:2: could not tokenize") for m in messages(report))
    page = (project / "html" / "broken.html").read_text("utf-8")
    assert "more prose" in page and "never closed" in page
    assert_good_page(project)


def test_nul_bytes(project: Path) -> None:
    (project / "src" / "nul.py").write_bytes(b"x = 1\ny = '\x00'\n")
    report = build_src(project)
    assert "src/nul.py:2: NUL byte in source, shown as \ufffd" in messages(report)
    assert "\x00" not in (project / "html" / "nul.html").read_text("utf-8")


def test_empty_file(project: Path) -> None:
    (project / "src" / "empty.py").write_text("")
    report = build_src(project)
    assert not messages(report)
    assert "<title>empty" in (project / "html" / "empty.html").read_text("utf-8")


@pytest.mark.slow  # about 40 s on a shared machine
def test_fifty_thousand_lines(project: Path) -> None:
    lines = []
    for i in range(25_000):
        lines += [f"# Step {i}: $x_{{{i}}}$", f"x{i} = {i}"]
    (project / "src" / "long.py").write_text("\n".join(lines) + "\n")
    report = build_src(project)
    assert not messages(report)
    page = (project / "html" / "long.html").read_text("utf-8")
    assert 'id="L50000"' in page


@pytest.mark.parametrize("jobs", [1, 2])
def test_code_nested_deeper_than_the_walk_of_its_tree(project: Path, jobs: int) -> None:
    """A long chain of `+` parses, as a tree deeper than a recursive walk may go (sympy has one): a warning, no crash."""
    deep = "# A long sum\ntotal = " + " + ".join(f"good.x{i}" for i in range(900)) + "\nimport good\n"
    (project / "src" / "deep.py").write_text(deep)
    for i in range(8):  # enough pages for workers to read them when there are two jobs
        (project / "src" / f"other{i}.py").write_text(f"# Other {i}\nx = {i}\n")
    report = build_src(project, jobs=jobs)
    assert messages(report) == ["src/deep.py:1: nested too deeply to find its definitions: its names link nowhere"]
    assert ">x899<" in (project / "html" / "deep.html").read_text("utf-8")  # its code is shown
    assert_good_page(project)


@pytest.mark.parametrize("opening", ['"""---\n', 'r"""\n---\n', '# ---\n'], ids=["same line", "line below", "comment"])
def test_a_yaml_error_in_front_matter_names_its_line(project: Path, opening: str) -> None:
    comment = opening.startswith("#")
    body = ["title: Adam", "summary: [unclosed", "other: x", "---", "# Heading"]
    text = opening + "".join(("# " if comment else "") + line + "\n" for line in body) + ("" if comment else '"""\n') + "x = 1\n"
    (project / "src" / "meta.py").write_text(text)
    report = build_src(project)
    where = text.split("\n").index(("# " if comment else "") + "other: x") + 1  # where PyYAML stops
    assert [m.split(": front matter")[0] for m in messages(report)] == [f"src/meta.py:{where}"]
    assert_good_page(project)


def test_front_matter_nested_too_deeply_is_a_warning_not_a_crash(project: Path) -> None:
    (project / "src" / "deep.py").write_text('"""\n---\ntitle: ' + "[" * 3000 + "]" * 3000 + '\n---\n# Deep\n"""\nx = 1\n')
    report = build_src(project)
    assert messages(report) == ["src/deep.py:2: front matter nests too deeply to read"]
    assert "<title>Deep" in (project / "html" / "deep.html").read_text("utf-8")
    assert_good_page(project)


def test_a_loop_of_symbolic_links_is_a_broken_link_not_a_crash(project: Path) -> None:
    (project / "src" / "loop.png").symlink_to("loop2.png")
    (project / "src" / "loop2.png").symlink_to("loop.png")
    (project / "src" / "shows.py").write_text('"""\n# Shows\n\n![a loop](loop.png)\n"""\nx = 1\n')
    report = build_src(project)
    assert [m for m in messages(report) if "loop.png" in m] == ["src/shows.py:4: broken image 'loop.png': no such file"]
    assert_good_page(project)


def test_a_single_line_of_one_megabyte(project: Path) -> None:
    (project / "src" / "wide.py").write_text("# " + "word $\\alpha " * 150_000 + "\nx = '" + "a" * 1_000_000 + "'\n")
    report = build_src(project)
    assert all(m.startswith("src/wide.py:1: unmatched `$`") for m in messages(report))
    assert len((project / "html" / "wide.html").read_bytes()) > 1_000_000
    assert_good_page(project)


def test_unterminated_dollar_rejected_formula_and_runaway_macro(project: Path) -> None:
    (project / "src" / "math.py").write_text(
        "# Rate $\\alpha today.\nx = 1\n# Bad: $\\frac{a$.\ny = 2\n# Loop: $\\def\\a{\\a\\a}\\a$.\nz = 3\n")
    report = build_src(project)  # the runaway macro fails fast (KaTeX's maxExpand), so this returns
    found = messages(report)
    assert "src/math.py:1: unmatched `$` (write `\\$` for a dollar sign)" in found
    assert any(m.startswith("src/math.py:3: LaTeX error: ") for m in found)
    assert any(m.startswith("src/math.py:5: LaTeX error: Too many expansions") for m in found)
    assert_good_page(project)


def test_links_outside_the_site_are_never_followed(project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    (project / "src" / "links.py").write_text(
        "# [a](../../../etc/passwd) [b](/etc/passwd) ![c](../secret.txt) [d](file:///etc/passwd)\nx = 1\n")
    os.symlink(secret, project / "src" / "inside.txt")
    (project / "src" / "via_link.py").write_text("# [e](inside.txt)\nx = 1\n")
    report = build_src(project)
    found = messages(report)
    assert "src/links.py:1: broken link '../../../etc/passwd': points outside the source folders" in found
    assert "src/links.py:1: broken link '/etc/passwd': absolute paths point outside the site" in found
    assert "src/links.py:1: broken image '../secret.txt': points outside the source folders" in found
    assert "src/via_link.py:1: broken link 'inside.txt': points outside the source folders" in found
    published = [p for p in (project / "html").rglob("*") if p.is_file()]
    assert not any("top secret" in p.read_text("utf-8", "replace") for p in published)
    assert not any(p.name in ("passwd", "secret.txt", "inside.txt") for p in published)


def test_a_symbolic_link_loop(project: Path) -> None:
    os.symlink(project / "src", project / "src" / "loop")
    report = build_src(project)
    assert report.pages == 1
    assert_good_page(project)


def test_an_unreadable_file(project: Path, monkeypatch) -> None:
    (project / "src" / "locked.py").write_text("x = 1\n")
    real = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == "locked.py":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    report = build_src(project)
    assert "src/locked.py:1: cannot read file: Permission denied" in messages(report)
    assert not (project / "html" / "locked.html").exists()
    assert_good_page(project)


def test_an_output_folder_inside_the_source_folder(project: Path) -> None:
    out = project / "src" / "site"
    config = load(project, source=project / "src", out=out)
    build(config)
    report = build(config)
    assert report.pages == 1 and not (out / "site").exists()


def test_a_translation_table_that_is_not_json(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.site_gen]\nlanguages = ["en", "ja"]\n')
    table = project / "translations" / "ja" / "good.json"
    table.parent.mkdir(parents=True)
    table.write_text('{"# Good page": "良いページ",}')
    report = build_src(project)
    assert any(m.startswith(f"{table}:1:") and "not valid JSON" in m for m in messages(report))
    assert table.read_text() == '{"# Good page": "良いページ",}'  # the translator's work is untouched
    assert (project / "html" / "ja" / "good.html").is_file()


def test_two_builds_at_once(project: Path) -> None:
    out = project / "html"
    lock = write.lock_path(out)
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(BuildError, match="another build is writing this folder"):
            build(load(project, source=project / "src", out=out))
    build(load(project, source=project / "src", out=out))
    assert_good_page(project)
    assert not [p for p in project.iterdir() if p.name.startswith(".html")]  # no lock, no staging beside the output
    assert not lock.exists()  # nor in the cache folder: one lock per folder ever built would pile up


def test_a_lock_removed_as_it_is_taken_is_taken_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build before ours removes its lock file just as we open it: we must lock the new file, not the gone one."""
    out = tmp_path / "site"
    path = write.lock_path(out)
    real_flock = fcntl.flock
    finished: list[bool] = []

    def flock(handle, operation: int) -> None:
        if not finished:
            finished.append(True)
            path.unlink()  # the earlier build ends between our open and our lock
        real_flock(handle, operation)

    monkeypatch.setattr(write.fcntl, "flock", flock)
    with write.lock(out):
        with open(path) as other:  # a third build, arriving now, finds the file we hold
            with pytest.raises(BlockingIOError):
                real_flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    assert not path.exists()


def _build_until(project: Path, stage: str, reached, release) -> None:
    """In a forked child: build, and stop dead (until killed) once `stage` is under way."""
    target = {"render": (produce, "_render"), "write": (write, "_link_or_write")}[stage]
    original = getattr(*target)
    calls = []

    def halfway(*args, **kwargs):
        calls.append(1)
        if len(calls) == 20:
            reached.set()
            release.wait()
        return original(*args, **kwargs)

    setattr(*target, halfway)
    build_src(project, use_cache=False, jobs=1)


@pytest.mark.parametrize("stage", ["render", "write"])
def test_a_build_killed_halfway_leaves_the_previous_site_complete(project: Path, stage: str) -> None:
    for i in range(40):
        (project / "src" / f"page{i:03}.py").write_text(f'"""\n# Page {i}\n\n$a_{i} + b$\n"""\nx = {i}\n')
    build_src(project, use_cache=False)
    before = {p.relative_to(project / "html"): p.read_bytes() for p in (project / "html").rglob("*") if p.is_file()}
    for i in range(40):
        path = project / "src" / f"page{i:03}.py"
        path.write_text(path.read_text().replace("+ b", "+ c"))
    fork = multiprocessing.get_context("fork")
    reached, release = fork.Event(), fork.Event()
    child = fork.Process(target=_build_until, args=(project, stage, reached, release))
    child.start()
    try:
        assert reached.wait(timeout=120)  # the timeout only bounds a hang
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.join()
    assert child.exitcode == -signal.SIGKILL
    after = {p.relative_to(project / "html"): p.read_bytes() for p in (project / "html").rglob("*") if p.is_file()}
    assert after == before  # the old site, whole
    # The next build finishes the job, whatever the kill left behind
    report = build_src(project)
    assert report.pages == 41 and "a_0 + c" in (project / "html" / "page000.html").read_text()
    assert not (project / ".html.new").exists() and not (project / ".html.old").exists()


@pytest.mark.slow
def test_the_whole_standard_library_in_one_build(tmp_path: Path) -> None:
    """No crash, the line invariant on every file, every problem a `path:line: message`."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    config = load(tmp_path, source=stdlib, out=tmp_path / "html")
    report = build(config)
    sources = [p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts and not p.is_symlink()]
    assert report.pages >= len(sources) * 0.95
    for problem in report.problems:
        assert problem.path and problem.line >= 1 and problem.message
    for path in sources[::7]:
        text = path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
        sections, _ = split(text)
        used = sorted(n for s in sections for n in s.doc_lines + s.code_lines)
        assert used == list(range(1, len(source_lines(text)) + 1)), path


def test_two_files_claiming_one_page_both_survive(project: Path) -> None:
    (project / "src" / "__init__.py").write_text('"""# The package"""\n')
    (project / "src" / "index.py").write_text('"""# An index module"""\n')
    (project / "src" / "readme.md").write_text("# Readme in Markdown\n\n[the module](index.py)\n")
    (project / "src" / "readme.py").write_text('"""# Readme in Python"""\n')
    report = build_src(project)
    assert not messages(report)
    out = project / "html"
    assert "The package" in (out / "index.html").read_text() and "An index module" in (out / "index.py.html").read_text()
    assert "Readme in Markdown" in (out / "readme.html").read_text()
    assert "Readme in Python" in (out / "readme.py.html").read_text()
    assert 'href="index.py.html"' in (out / "readme.html").read_text()


def test_a_dangling_symbolic_link_to_an_image_is_a_broken_image(project: Path) -> None:
    (project / "src" / ".figs").mkdir()
    os.symlink("../build/plot.png", project / "src" / ".figs" / "plot.png")  # inside the source folder, not built yet
    (project / "src" / "sub").mkdir()
    (project / "src" / "sub" / "plots.py").write_text('"""\n# Plots\n\n![plot](../.figs/plot.png)\n"""\nx = 1\n')
    report = build_src(project)
    assert "src/sub/plots.py:4: broken image '../.figs/plot.png': no such file" in messages(report)
    assert (project / "html" / "sub" / "plots.html").is_file()
    assert_good_page(project)


def _worker_waits(pids, item: int) -> int:
    pids.put(os.getpid())
    signal.pause()  # idle until killed, as the workers of a killed build stay
    return item


def _build_with_workers(out: Path, pids) -> None:
    """In a forked child: hold the lock of `out` while pool workers run, until killed."""
    with write.lock(out):
        next(workers.in_parallel(_worker_waits, list(range(8)), 2, shared=pids))


def test_pool_workers_of_a_killed_build_do_not_keep_its_lock_and_exit(tmp_path: Path) -> None:
    """`kill -9` of a build: its workers must not hold the lock that would block the next build, and must end."""
    out = tmp_path / "site"
    fork = multiprocessing.get_context("fork")
    pids = fork.Queue()
    child = fork.Process(target=_build_with_workers, args=(out, pids))
    child.start()
    alive: list[int] = []
    try:
        alive = [pids.get(timeout=120) for _ in range(2)]  # the timeout only bounds a hang
        watched = [os.pidfd_open(pid) for pid in alive]  # before the kill: these pids cannot be reused under us
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        assert write.lock_path(out).exists()  # left by the killed build
        with write.lock(out):  # the next build takes it, whether or not the workers have ended yet
            pass
        for pidfd in watched:  # a pidfd becomes readable when its process ends; the timeout only bounds a hang
            assert select.select([pidfd], [], [], 120)[0] == [pidfd], "a worker outlived its killed build"
            os.close(pidfd)
        alive = []
    finally:
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        child.kill()
        child.join()


# Run as a build from a terminal would be: its own process group, Ctrl-C's default action. The hook lets the
# test send Ctrl-C at a known moment: while a worker of the `phase` pool has just done its page number `at`.
_INTERRUPTIBLE_BUILD = """
import itertools, os, sys
from site_gen import cli, workers
reached, release, phase, at, source, out = sys.argv[1:]
calls = itertools.count()  # each worker counts its own pages
real_call = workers._call

def call(item):
    result = real_call(item)
    if workers._received[0].__name__ == phase and next(calls) == int(at):
        os.write(int(reached), b"x")
        os.read(int(release), 1)  # Ctrl-C arrives here, in the workers and in the build
    return result

workers._call = call
sys.exit(cli.main(["build", source, "--out", out, "--no-cache", "--jobs", "2"]))
"""


@pytest.mark.parametrize(("phase", "at"), [("_parse", 0), ("_parse", 6), ("_render", 0), ("_render", 9)])
def test_ctrl_c_ends_a_build_quietly_and_leaves_nothing_behind(project: Path, phase: str, at: int) -> None:
    """Ctrl-C (SIGINT to the whole process group) while workers build pages: exit 130, no traceback, no process left."""
    for i in range(24):
        (project / "src" / f"page{i:03}.py").write_text(f'"""\n# Page {i}\n\n$a_{i} + b$\n"""\nx = {i}\n')
    build_src(project, use_cache=False)
    before = {p.relative_to(project / "html"): p.read_bytes() for p in (project / "html").rglob("*") if p.is_file()}
    (project / "src" / "page000.py").write_text('"""\n# Changed\n"""\n')
    reached_r, reached_w = os.pipe()
    release_r, release_w = os.pipe()
    root = Path(__file__).resolve().parent.parent
    build_process = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTIBLE_BUILD, str(reached_w), str(release_r), phase, str(at), str(project / "src"),
         str(project / "html")], pass_fds=(reached_w, release_r), cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.close(reached_w)
    os.close(release_r)
    try:
        assert os.read(reached_r, 1) == b"x"  # a worker is in the middle of page `at`
        os.killpg(build_process.pid, signal.SIGINT)
        os.close(release_w)  # the worker goes on, as it would after Ctrl-C
        _, err = build_process.communicate(timeout=120)  # the timeout only bounds a hang
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(build_process.pid, signal.SIGKILL)
        os.close(reached_r)
    assert build_process.returncode == 130, err
    assert "Traceback" not in err and err.strip().endswith("site-gen: interrupted"), err
    with pytest.raises(ProcessLookupError):  # workers and KaTeX engines have ended with the build
        os.killpg(build_process.pid, 0)
    after = {p.relative_to(project / "html"): p.read_bytes() for p in (project / "html").rglob("*") if p.is_file()}
    assert after == before


def _page(log: int, item: int) -> int:
    os.write(log, f"{os.getpid()} {item}\n".encode())
    if item == 0:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C reaches this worker halfway through its page
    return item * 2


def test_a_worker_told_ctrl_c_finishes_its_page_and_starts_no_other(tmp_path: Path) -> None:
    """The rest of its pages come back as KeyboardInterrupt at once, not built, and the pool stays whole."""
    log_path = tmp_path / "log"
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    results = workers.in_parallel(_page, list(range(40)), 2, shared=log)
    try:
        assert next(results) == 0  # the page it was on is finished and handed back
        with pytest.raises(KeyboardInterrupt):
            for _ in results:
                pass
    finally:
        results.close()
        os.close(log)
    calls = [line.split() for line in log_path.read_text().splitlines()]
    interrupted = next(pid for pid, item in calls if item == "0")
    assert [item for pid, item in calls if pid == interrupted] == ["0"]


def _double(_: None, item: int) -> int:
    return item * 2


def test_the_pool_has_ended_when_the_last_result_is_taken() -> None:
    """
    Callers take exactly as many results as they gave items (`zip`, `next`), never asking for the end. The
    pool must end within that last `next`: ended later, when the generator is collected, a Ctrl-C that comes
    while it waits for its workers is raised inside garbage collection, "ignored", and the build goes on.
    """
    items = list(range(12))
    results = workers.in_parallel(_double, items, 2)
    assert [next(results) for _ in items] == [item * 2 for item in items]
    assert multiprocessing.active_children() == []
    results.close()


def test_a_translated_site_reads_code_python_cannot_parse_or_warns_of_without_a_crash_or_noise(tmp_path: Path) -> None:
    """The strings a translated page's code marks for translation are found in a tree parsed as the splitter parses."""
    import warnings

    (tmp_path / "pyproject.toml").write_text('[tool.site_gen]\nlanguages = ["en", "ja"]\n\n[[tool.site_gen.sources]]\ndir = "src"\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "good.py").write_text(GOOD)
    (tmp_path / "src" / "deep.py").write_text("# Too deep for Python's parser\ntotal = " + " + ".join(["1"] * 5000) + "\n")
    (tmp_path / "src" / "escape.py").write_text('# An invalid escape\npattern = "\\$x"\n')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = build(load(tmp_path, out=tmp_path / "html"))
    assert [m.split(": ")[0] for m in messages(report)] == ["src/deep.py:1"]  # could not parse, docstrings shown as code
    assert not [w for w in caught if "escape" in str(w.message)]
    assert (tmp_path / "html" / "ja" / "deep.html").is_file()
    assert_good_page(tmp_path)
