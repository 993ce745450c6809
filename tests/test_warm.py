"""
Warm builds (`warm`): a build handed to the warm builder must be the build
`site-gen build` makes in a process of its own: the same site, the same
messages on the caller's own streams, the same exit code; Ctrl-C and a
killed caller must stop it; and a builder whose code changed must not build.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from site_gen import warm
from site_gen.cli import main

from conftest import FIXTURE, ROOT


@pytest.fixture
def builder(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A warm builder for callers in this process (its pid), ended when the test ends."""
    monkeypatch.setenv("SITE_GEN_WARM", "1")  # on, even on a CI machine
    warm.start()
    yield from _until_the_end(warm._place("lock"), warm._place("sock"))


@pytest.fixture
def command_builder(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A warm builder for `python -m site_gen` run by this test (its import paths are not this process's)."""
    monkeypatch.setenv("SITE_GEN_WARM", "1")  # on, even on a CI machine
    yield from _command_builder(os.environ.copy())


def _command_builder(env: dict[str, str]) -> Iterator[int]:
    where = subprocess.run([sys.executable, "-c", "from site_gen import warm; warm.start(); "
                            "print(warm._place('lock')); print(warm._place('sock'))"],
                           env=env, check=True, capture_output=True, text=True).stdout.split("\n")
    yield from _until_the_end(where[0], where[1])


def _until_the_end(lock: str, place: str) -> Iterator[int]:
    pid = _when(lambda: _builder_pid(Path(lock)) if _listening(place) else None)
    yield pid
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    with open(lock, "a") as held:  # held by the builder until it has ended
        fcntl.flock(held, fcntl.LOCK_EX)


def _when(found, bound: float = 120):
    """What `found()` gives once it gives something; the bound only ends a hang."""
    ends = time.monotonic() + bound
    while (value := found()) is None:
        assert time.monotonic() < ends, "never happened"
        time.sleep(0.01)
    return value


def _listening(place: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(place) == 0


def _builder_pid(lock: Path) -> int | None:
    text = lock.read_text().strip()
    return int(text) if text.isdigit() else None


def _tree(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURE, root)
    settings = root / "pyproject.toml"
    settings.write_text(settings.read_text().replace('branch = "trunk"', 'branch = "trunk"\nlanguages = ["en", "ja"]'))
    return root


def _site(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _timeless(text: str) -> str:
    return re.sub(r"in \d+\.\d\ds", "in …s", text).replace("warm-tree", "tree").replace("cold-tree", "tree")


def test_a_warm_build_is_the_build_a_process_of_its_own_makes(builder: int, tmp_path: Path,
                                                              capfd: pytest.CaptureFixture,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    warm_tree, cold_tree = _tree(tmp_path, "warm-tree"), _tree(tmp_path, "cold-tree")
    steps = [
        (["build"], None),  # first build, then an edit with a problem, then --strict, then a bad setting
        (["build"], lambda root: (root / "pkg" / "model.py").write_text(
            (root / "pkg" / "model.py").read_text() + "\n# See [nowhere](missing.py).\nz = 3\n")),
        (["build", "--strict"], None),
        (["build"], lambda root: (root / "pyproject.toml").write_text(
            (root / "pyproject.toml").read_text() + '\nequation_numbers = "sometimes"\n')),
        (["build", "--no-such-option"], None),
    ]
    for argv, edit in steps:
        outcomes = []
        for root, warmly in ((warm_tree, True), (cold_tree, False)):
            if edit is not None:
                edit(root)
            monkeypatch.chdir(root)
            if warmly:
                code = warm.delegate(argv)
                assert code is not None, "the warm builder did not take the build"
            else:
                try:
                    code = main(argv)
                except SystemExit as exit:  # argparse's usage error
                    code = exit.code
            captured = capfd.readouterr()
            outcomes.append((code, _timeless(captured.out), _timeless(captured.err)))
        assert outcomes[0] == outcomes[1], argv
        assert _site(warm_tree / "html") == _site(cold_tree / "html")
    assert [code for code, _, _ in outcomes] == [2, 2]


def test_a_warm_build_writes_in_the_callers_encoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fork writes to the caller's own streams as the caller's Python would have: here in ASCII, escaped."""
    monkeypatch.setenv("SITE_GEN_WARM", "1")  # on, even on a CI machine
    env = {**os.environ, "PYTHONIOENCODING": "ascii:backslashreplace"}
    outputs = []
    started = _command_builder(env)
    builder = next(started)
    try:
        for name, warmly in (("warm-tree", True), ("cold-tree", False)):
            root = _tree(tmp_path, name)
            done = subprocess.run([sys.executable, "-m", "site_gen", "build"], cwd=root, capture_output=True,
                                  env={**env, **({} if warmly else {"SITE_GEN_WARM": "0"})}, timeout=300)
            outputs.append((done.returncode, _timeless(done.stdout.decode("ascii")),
                            _timeless(done.stderr.decode("ascii"))))
            if warmly:
                assert _children_cpu(builder) > 0, "not built by the warm builder"
    finally:
        next(started, None)
    assert outputs[0] == outputs[1]
    assert "\\u2192" in outputs[0][1]  # the arrow of "… → html", escaped


@contextmanager
def _waiting_build(tmp_path: Path, builder: int, *command: str) -> Iterator[tuple[subprocess.Popen, int]]:
    """
    A warm build (the caller, and the fork that builds) waiting, until the
    test lets it go on, to read a translation table that is a named pipe.
    """
    root = _tree(tmp_path, "tree")
    table = root / "translations" / "ja" / "model.json"
    table.parent.mkdir(parents=True)
    os.mkfifo(table)
    # Its own process group, under this one: never an orphaned group, in which Ctrl-Z does not stop anything
    caller = subprocess.Popen([*command, sys.executable, "-m", "site_gen", "build"], cwd=root, env=os.environ.copy(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, process_group=0)
    writer = None
    try:
        writer = _when(lambda: _open_for_writing(table))
        reader = _when(lambda: _reading(table))
        assert _parent(reader) == builder, "not built by the warm builder"
        yield caller, reader
    finally:
        if writer is not None:
            os.close(writer)
        caller.kill()  # if the test failed before it ended
        caller.communicate()


def test_ctrl_c_in_the_caller_interrupts_its_warm_build(command_builder: int, tmp_path: Path) -> None:
    with _waiting_build(tmp_path, command_builder) as (caller, _):
        caller.send_signal(signal.SIGINT)
        caller.wait(timeout=120)
        err = caller.stderr.read()
    assert caller.returncode == 130
    assert "site-gen: interrupted" in err


def test_ctrl_c_reaches_a_build_of_a_builder_that_was_told_to_end(command_builder: int, tmp_path: Path) -> None:
    with _waiting_build(tmp_path, command_builder) as (caller, _):
        os.kill(command_builder, signal.SIGTERM)  # no new builds; those under way go on, and still hear their callers
        caller.send_signal(signal.SIGINT)
        caller.wait(timeout=120)
        err = caller.stderr.read()
    assert caller.returncode == 130
    assert "site-gen: interrupted" in err


def test_ctrl_z_pauses_a_warm_build_with_its_caller(command_builder: int, tmp_path: Path) -> None:
    with _waiting_build(tmp_path, command_builder) as (caller, build):
        caller.send_signal(signal.SIGTSTP)
        _when(lambda: True if _state(build) == "T" else None)
        caller.send_signal(signal.SIGCONT)  # as `fg` does
        _when(lambda: True if _state(build) != "T" else None)
        assert caller.poll() is None


def test_a_warm_build_ended_by_a_signal_ends_its_caller_by_the_same(command_builder: int, tmp_path: Path) -> None:
    with _waiting_build(tmp_path, command_builder) as (caller, build):
        os.kill(build, signal.SIGKILL)
        caller.wait(timeout=120)
    assert caller.returncode == -signal.SIGKILL


def test_a_killed_caller_takes_its_warm_build_with_it(command_builder: int, tmp_path: Path) -> None:
    with _waiting_build(tmp_path, command_builder) as (caller, build):
        caller.kill()
        caller.wait()
        _when(lambda: True if not _alive(build) else None)
    assert not (tmp_path / "tree" / "html").exists()
    assert _alive(command_builder)  # and the builder goes on, for the next


def test_a_killed_builder_takes_its_builds_with_it(command_builder: int, tmp_path: Path) -> None:
    with _waiting_build(tmp_path, command_builder) as (caller, build):
        os.kill(command_builder, signal.SIGKILL)
        caller.wait(timeout=120)
        _when(lambda: True if not _alive(build) else None)
        err = caller.stderr.read()
    assert caller.returncode == 2
    assert "the warm builder ended during the build, and the build with it" in err
    assert not (tmp_path / "tree" / "html").exists()


def test_a_caller_under_other_limits_is_refused(command_builder: int, tmp_path: Path) -> None:
    """A fork runs with the builder's priority, limits, locale and the like: a caller with others builds itself."""
    for command in (["nice", "-n", "5"], ["prlimit", "--nofile=512:512"], ["env", "LC_ALL=C"]):
        root = _tree(tmp_path, f"tree-{command[0]}")
        try:
            done = subprocess.run([*command, sys.executable, "-m", "site_gen", "build"], cwd=root, capture_output=True,
                                  text=True, env=os.environ.copy(), timeout=300)  # a builder kept its streams: hangs
        finally:  # the builder a build with another identity (the locale) started for the next: ended
            lock = _lock_of(command)
            if lock != _lock_of([]):
                ending = _until_the_end(lock, lock[:-len("lock")] + "sock")
                next(ending)
                next(ending, None)
        assert done.returncode == 0, done.stderr
        assert (root / "html" / "index.html").exists()
    assert _children_cpu(command_builder) == 0, "built by the warm builder"


def _lock_of(command: list[str]) -> str:
    """The lock of the warm builder `python -m site_gen` run through `command` would use."""
    return subprocess.run([*command, sys.executable, "-c", "from site_gen import warm; print(warm._place('lock'))"],
                          capture_output=True, text=True, env=os.environ.copy(), check=True).stdout.strip()


def test_a_stopped_builder_is_not_waited_for(builder: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capfd: pytest.CaptureFixture) -> None:
    root = _tree(tmp_path, "tree")
    monkeypatch.chdir(root)
    monkeypatch.setattr(warm, "_ANSWER_SECONDS", 0.2)
    os.kill(builder, signal.SIGSTOP)
    try:
        assert warm.delegate(["build"]) is None  # the caller builds itself
    finally:
        os.kill(builder, signal.SIGCONT)
    monkeypatch.setattr(warm, "_ANSWER_SECONDS", 120)
    assert warm.delegate(["build", "--help"]) == 0  # taken after the abandoned one…
    assert "usage: site-gen build" in capfd.readouterr().out
    assert not (root / "html").exists()  # …which was never built


def test_a_builder_that_does_not_answer_holds_none_of_the_callers_streams(builder: int, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A pipe the caller writes to must close when the caller has gone: `site-gen build | cat` must end."""
    monkeypatch.chdir(_tree(tmp_path, "tree"))
    monkeypatch.setattr(warm, "_ANSWER_SECONDS", 0.2)
    reader, writer = os.pipe()
    saved = os.dup(1)
    os.kill(builder, signal.SIGSTOP)
    try:
        os.dup2(writer, 1)
        os.close(writer)
        try:
            assert warm.delegate(["build"]) is None
        finally:
            os.dup2(saved, 1)  # this process's own end of the pipe is gone now
            os.close(saved)
        # While the builder is still stopped: end of file at once if no other process holds the write end (a
        # request waiting in the builder's queue must not); the bound only ends a hang
        assert select.select([reader], [], [], 120)[0] == [reader] and os.read(reader, 1) == b""
    finally:
        os.close(reader)
        os.kill(builder, signal.SIGCONT)


def test_a_caller_with_a_standard_stream_closed_builds_itself(command_builder: int, tmp_path: Path) -> None:
    """Its socket would take the closed stream's number, and be handed to the build as that stream."""
    root = _tree(tmp_path, "tree")
    command = f"{shlex.quote(sys.executable)} -m site_gen build"
    for closing in (">&-", "<&-", "2>&-"):
        done = subprocess.run(["sh", "-c", f"{command} {closing}; echo exit $? >&2"], cwd=root, capture_output=True,
                              text=True, timeout=300)
        assert "exit 0" in done.stderr, (closing, done.stderr)
    assert _children_cpu(command_builder) == 0, "built by the warm builder"


def test_a_socket_of_another_user_is_never_handed_a_build(builder: int, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_tree(tmp_path, "tree"))
    monkeypatch.setattr(warm, "_peer", lambda connection: (1, os.getuid() + 1))
    assert warm.delegate(["build"]) is None
    assert _children_cpu(builder) == 0


def test_a_builder_that_has_gone_leaves_no_number_in_its_lock(builder: int) -> None:
    lock = Path(warm._place("lock"))
    assert _builder_pid(lock) == builder
    os.kill(builder, signal.SIGTERM)
    with open(lock, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
    assert lock.read_text() == ""


def test_a_build_without_standard_error_is_no_internal_error(tmp_path: Path) -> None:
    root = _tree(tmp_path, "tree")
    done = subprocess.run(["sh", "-c", f"{shlex.quote(sys.executable)} -m site_gen build 2>&-"], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0
    assert "Traceback" not in done.stdout and "built 5 pages" in done.stdout


def test_a_builder_whose_code_changed_does_not_build(builder: int, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capfd: pytest.CaptureFixture) -> None:
    root = _tree(tmp_path, "tree")
    monkeypatch.chdir(root)
    code = Path(warm.__file__)
    before = code.stat()
    os.utime(code, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))  # as an edit of our code would
    try:
        assert warm.delegate(["build"]) is None  # refused: the caller builds itself
    finally:
        os.utime(code, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert not (root / "html").exists()
    with open(warm._place("lock"), "a") as held:  # and the builder has gone
        fcntl.flock(held, fcntl.LOCK_EX)


def test_a_caller_of_another_python_or_code_is_refused(builder: int, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path, "tree")
    monkeypatch.chdir(root)
    monkeypatch.setattr(warm, "_identity", lambda: '["another python"]')
    monkeypatch.setattr(warm, "_place", lambda suffix, place=warm._place: place(suffix))  # the same socket
    assert warm.delegate(["build"]) is None
    assert not (root / "html").exists()


def test_only_builds_are_handed_on(builder: int) -> None:
    assert warm.delegate(["translate", "status"]) is None
    assert warm.delegate([]) is None


def test_no_warm_builds_on_a_ci_machine_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SITE_GEN_WARM", raising=False)
    monkeypatch.setenv("CI", "true")
    assert not warm.usable()
    monkeypatch.setenv("SITE_GEN_WARM", "1")
    assert warm.usable()
    monkeypatch.delenv("CI")
    monkeypatch.setenv("SITE_GEN_WARM", "0")
    assert not warm.usable()


def _children_cpu(pid: int) -> int:
    """Clock ticks of CPU the children `pid` has reaped used (`/proc/PID/stat`: cutime and cstime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[13]) + int(fields[14])


def _open_for_writing(fifo: Path) -> int | None:
    try:
        return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ENXIO:  # no reader yet
            return None
        raise


def _reading(fifo: Path) -> int | None:
    """The process that has `fifo` open for reading (the build), if any besides this one."""
    target = os.stat(fifo)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) == os.getpid():
            continue
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                found = os.stat(f"/proc/{pid}/fd/{fd}")
                if (found.st_ino, found.st_dev) == (target.st_ino, target.st_dev):
                    return int(pid)
        except OSError:
            continue
    return None


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def _alive(pid: int) -> bool:
    try:
        return _state(pid) != "Z"
    except OSError:
        return False


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _write_fails(fd: int) -> bool:
    try:
        os.write(fd, b" ")
        return False
    except BrokenPipeError:
        return True
    except BlockingIOError:
        return False
