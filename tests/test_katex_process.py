"""
KaTeX runs in a child process: errors that would corrupt pykatex's engine
(three non-parse errors abort a process) cost a fresh child, never the build.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pykatex
from hypothesis import given, settings, strategies as st

from site_gen import katex_process

ROOT = Path(__file__).resolve().parent.parent
# KaTeX throws a plain Error (not a ParseError) for a column spec that is not a letter
BREAKS_PYKATEX = r"\begin{array}{\textbf{l}} a \end{array}"


def test_errors_that_abort_pykatex_are_reported_and_the_engine_keeps_working(tmp_path: Path) -> None:
    # In a separate interpreter: without the child process this aborts (malloc_consolidate), taking pytest with it
    script = (
        "from site_gen.math import KatexRenderer\n"
        f"formulas = [{BREAKS_PYKATEX!r} + ' x_' + str(i) for i in range(8)]\n"
        "for tex in formulas:\n"
        "    print(KatexRenderer()(tex, True).error)\n"
        "print(KatexRenderer()(r'\\hat{m}_t', False).html.count('data-sym'))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 9 and all("group type" in line for line in lines[:8])
    assert lines[8] == "1"  # after eight such errors a formula still renders, marked


def test_a_site_with_many_such_errors_builds_and_names_each(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    formulas = "".join(f"$${BREAKS_PYKATEX} + y_{i}$$\n\n" for i in range(6))
    (source / "arrays.py").write_text(f'r"""\n# Arrays\n\n{formulas}"""\nx = 1\n')
    for jobs in ("1", "2"):
        run = subprocess.run([sys.executable, "-m", "site_gen.cli", "build", str(source), "--out", str(tmp_path / "site"),
                              "--no-cache", "--jobs", jobs], cwd=ROOT, capture_output=True, text=True, timeout=300,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert run.returncode == 0, run.stderr
        assert sorted(int(line.split(":")[1]) for line in run.stderr.splitlines() if "LaTeX error" in line) \
            == [4, 6, 8, 10, 12, 14]
        assert (tmp_path / "site" / "arrays.html").is_file()


_PIECES = ["x_t", r"\hat{m}_t", r"\frac{a}{b}", r"\sqrt{v}", "+", r"\beta_1^t", r"\text{step}", "é", r"\alpha"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=8).map(" ".join), st.booleans(),
       st.sampled_from(["html", "mathml", "htmlAndMathml"]))
def test_the_child_renders_what_pykatex_renders(tex: str, display: bool, output: str) -> None:
    assert katex_process.render(tex, displayMode=display, output=output) \
        == pykatex.renderToString(tex, displayMode=display, output=output)


def test_the_engine_ends_with_the_process_that_started_it() -> None:
    reader, writer = os.pipe()
    parent = os.fork()
    if parent == 0:  # a build: starts its engine, says which process it is, then waits to be killed
        os.close(reader)
        katex_process.render("x")
        os.write(writer, str(katex_process._child.pid).encode())
        signal.pause()
        os._exit(0)
    os.close(writer)
    try:
        engine = int(os.read(reader, 64))
        watched = os.pidfd_open(engine)
        os.kill(parent, signal.SIGKILL)
        os.waitpid(parent, 0)
        # A pidfd turns readable when its process ends; the timeout only bounds a hang
        assert select.select([watched], [], [], 120)[0] == [watched], "the engine outlived its build"
        os.close(watched)
    finally:
        os.close(reader)


def test_the_engine_keeps_none_of_its_parents_files_open() -> None:
    """A pipe whose other end a driver waits to see closed (Playwright's) must close when the parent closes it."""
    katex_process._stop()  # the next formula starts a fresh engine, forked while the pipe is open
    reader, writer = os.pipe()
    try:
        katex_process.render("x")
        os.close(writer)
        # End of file only if no other process holds the write end; the timeout only bounds a hang
        assert select.select([reader], [], [], 120)[0] == [reader] and os.read(reader, 1) == b""
    finally:
        os.close(reader)



def test_the_command_exits_with_its_code_its_output_written_and_its_engine_waited_for(tmp_path: Path) -> None:
    """
    `site-gen` leaves without Python's teardown: everything it printed still
    arrives, and its KaTeX engine has ended before it (an engine left to end on
    its own is adopted by the nearest subreaper: here, a process of this test).
    The last formula renders, so an engine is running when the build ends.
    """
    source = tmp_path / "src"
    source.mkdir()
    (source / "steps.py").write_text('r"""\n# Steps\n\n$\\notacommand{z}$ and then $x_t + y$\n"""\nx = 1\n')
    command = [sys.executable, "-m", "site_gen.cli", "build", str(source), "--out", str(tmp_path / "site"),
               "--no-cache", "--strict"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reader, writer = os.pipe()
    watcher = os.fork()
    if watcher == 0:
        os.close(reader)
        code = 3
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
            run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
            os.write(writer, json.dumps([run.returncode, run.stdout, run.stderr]).encode())
            try:
                os.waitpid(-1, 0)  # an adopted orphan, once it ends
                code = 1
            except ChildProcessError:  # none: the build waited for all it started
                code = 0
        finally:
            os._exit(code)
    os.close(writer)
    with os.fdopen(reader, "rb") as told:
        returncode, stdout, stderr = json.loads(told.read() or b"[null, null, null]")
    assert os.waitstatus_to_exitcode(os.waitpid(watcher, 0)[1]) == 0, "a process of the build outlived it"
    assert returncode == 1, stderr  # --strict with a problem
    assert "steps.py:4" in stderr and "LaTeX error" in stderr
    assert stdout.startswith("built 1 page") and stdout.endswith("\n")


_PR_SET_CHILD_SUBREAPER = 36  # prctl(2): orphans below this process are re-parented to it, not to init
