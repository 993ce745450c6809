"""
# Warm builds

Half of an edit build is Python starting and importing what a build needs
(Markdown, Jinja2, Pygments' core and our own modules: ~0.12 s of ~0.25 s).
So after a build, `site-gen` leaves a *warm builder* behind: a process of the
same Python, with the same code, that has done those imports and nothing
else, and waits on a socket in the user's cache folder. The next
`site-gen build` hands its command to it and waits: the warm builder forks a
fresh copy of itself, which takes the caller's folder, environment, umask and
very terminal (its standard input, output and error are passed over the
socket), runs the build exactly as `site-gen build` would in a process of its
own, and exits with its code, which the caller exits with. Nothing of one
build stays for the next: each runs in a new fork of a process that never
built anything.

The warm builder ends after ten minutes without a build, and as soon as any
file of the code it loaded (ours, a tool's, Python's) has changed: a build
then runs as before, in the caller's own process, and a new warm builder is
started for the next. A caller whose Python, options, import paths or process
(user, priority, limits, capabilities, namespaces: `_conditions`) differ from
the builder's is refused the same way, as is every caller while the builder
does not answer. Ctrl-C, Ctrl-Z and `fg` in the caller reach the build; a
caller killed takes its build with it, and so does a builder killed; a build
ended by a signal ends its caller by the same. `SITE_GEN_WARM=0` turns all
this off (the tests do, but for their own checks of it), as does `CI` being
set (nothing should outlive a CI job) unless `SITE_GEN_WARM=1`; it needs
Linux (`pidfd_open`, `prctl`, the I/O class system call).

In: the command line of `site-gen build`. Out: its exit code, or `None` when
no warm builder took it (the caller builds itself).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import zlib

IDLE_SECONDS = 600  # a warm builder with nothing to do for this long ends
_ANSWER_SECONDS = 10  # a builder that does not answer a caller's request in this time is not waited for
_OFF = "SITE_GEN_WARM"
# The builder's words: ready for the build, refused; the caller's: go, Ctrl-C, Ctrl-Z, resumed
_READY, _REFUSED, _GO, _INTERRUPT, _PAUSE, _RESUME = b"?", b"no", b"!", b"i", b"z", b"c"
_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_IOPRIO_GET = {"x86_64": 252, "aarch64": 31}.get(os.uname().machine)  # no `os` call reads a process's I/O class


def usable() -> bool:
    """On Linux, unless `SITE_GEN_WARM=0`, or on a CI machine (`CI` set), where nothing should outlive a job."""
    wanted = os.environ.get(_OFF, "0" if os.environ.get("CI") else "1") != "0"
    return wanted and sys.platform == "linux" and hasattr(os, "pidfd_open") and _IOPRIO_GET is not None


# The caller

def delegate(argv: list[str]) -> int | None:
    """Run `site-gen build …` in a fork of the warm builder, if one is there and takes it; its exit code."""
    if not argv or argv[0] != "build" or not usable():
        return None
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)  # a standard stream closed (`>&-`): build here, as that closed stream
    except OSError:
        return None
    caller = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        caller.connect(_place("sock"))
        if _peer(caller)[1] != os.getuid():  # a socket another user put there: never hand it anything
            raise OSError("not ours")
        request = json.dumps({"identity": _identity(), "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ),
                              "umask": _umask(), "streams": [_stream(s) for s in (sys.stdin, sys.stdout, sys.stderr)]})
        body = request.encode("utf-8", "surrogateescape")
        caller.sendall(len(body).to_bytes(8, "little") + body)
        caller.settimeout(_ANSWER_SECONDS)  # a builder stopped or stuck: build here
        if caller.recv(len(_READY)) != _READY:
            raise OSError("refused")  # out of date, another Python, other limits: build here
        caller.settimeout(None)
    except (OSError, ValueError):  # none listening, a folder gone, …
        caller.close()
        return None
    except KeyboardInterrupt:  # before the build began: as a build here would
        caller.close()
        print("site-gen: interrupted", file=sys.stderr)
        return 130
    return _wait(caller)


def _wait(caller: socket.socket) -> int | None:
    """
    Start the build: its exit code (or this process ended by the signal that
    ended it), passing on Ctrl-C and Ctrl-Z; None if it could not start.
    """
    import signal

    def pause(number: int, frame: object) -> None:  # Ctrl-Z: the build stops with this process, and goes on with it
        _send(caller, _PAUSE)
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTSTP)
        signal.signal(signal.SIGTSTP, pause)
        _send(caller, _RESUME)

    reply, interrupted = b"", False
    try:
        # The streams go with the word to start, never before: a builder that never answers holds none of them
        socket.send_fds(caller, [_GO], [0, 1, 2])
    except OSError:
        caller.close()
        return None
    except KeyboardInterrupt:
        interrupted = True
        _send(caller, _INTERRUPT)
    signal.signal(signal.SIGTSTP, pause)
    while True:
        try:
            chunk = caller.recv(64)
        except KeyboardInterrupt:
            if interrupted:  # twice: the builder does not pass it on; stop waiting (the build ends with the socket)
                print("site-gen: interrupted", file=sys.stderr)
                return 130
            interrupted = True
            _send(caller, _INTERRUPT)
            continue
        except OSError:
            chunk = b""
        if not chunk:
            break
        reply += chunk
    caller.close()
    if reply.startswith(b"s") and reply[1:].isdigit():  # ended by a signal: so is this process, as a shell expects
        from .command import flush

        flush()
        try:
            signal.signal(int(reply[1:]), signal.SIG_DFL)
        except (OSError, ValueError):  # SIGKILL and SIGSTOP have no handler to reset
            pass
        os.kill(os.getpid(), int(reply[1:]))
        return 128 + int(reply[1:])
    if not reply.isdigit():
        if interrupted:  # before the build began
            print("site-gen: interrupted", file=sys.stderr)
            return 130
        print("site-gen: the warm builder ended during the build, and the build with it; build again", file=sys.stderr)
        return 2
    return int(reply)


def start() -> None:
    """Start a warm builder for this Python and this code, unless one is there or starting."""
    if not usable():
        return
    import fcntl

    try:
        lock = _place("lock")
        os.makedirs(os.path.dirname(lock), exist_ok=True)
        with open(lock, "a") as held:
            try:
                fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a warm builder holds it for its whole life
            except BlockingIOError:
                return
        # Our code and the caller's import paths, in that order, whatever folder it starts in
        environment = {**os.environ, _PATH: json.dumps([os.path.dirname(_PACKAGE), *sys.path[1:]])}
        quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
        os.posix_spawn(sys.executable, [sys.executable, "-c", _SERVE], environment, file_actions=quiet, setsid=True)
    except OSError:
        pass  # no warm builder: builds start cold, as ever


_PATH = "SITE_GEN_WARM_PATH"
_SERVE = (f"import json, os, sys; sys.path[:] = json.loads(os.environ.pop({_PATH!r})); "
          "from site_gen.warm import serve; serve()")


def _identity() -> str:
    """
    This Python, its options and `PYTHON…` settings, the locale it started in
    (the encoding `open` takes by default), this code and the import paths
    (the first is the caller's script's or current folder: not ours): a caller
    and its builder share them, and the socket's name is made from them.
    """
    return json.dumps([sys.executable, sys.version, repr(sys.flags), sys._xoptions, sys.warnoptions,
                       sorted((key, value) for key, value in os.environ.items()
                              if key.startswith("PYTHON") or key in ("LC_ALL", "LC_CTYPE", "LANG")),
                       sys.getfilesystemencoding(), _PACKAGE, *sys.path[1:]])


def _place(suffix: str) -> str:
    """The socket (`sock`) or lock (`lock`) of the warm builder of `_identity()`, in the user's cache folder."""
    import platformdirs  # as `config.user_cache` finds it: importing `config` (tomllib, dataclasses) costs a caller ~10 ms

    folder = os.path.join(platformdirs.user_cache_dir("site-gen"), "warm")
    return os.path.join(folder, f"{zlib.crc32(_identity().encode('utf-8', 'surrogateescape')):08x}.{suffix}")


def _peer(connection: socket.socket) -> tuple[int, int]:
    """The process at the other end of a UNIX socket, and its user."""
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    return int.from_bytes(credentials[:4], sys.byteorder), int.from_bytes(credentials[4:8], sys.byteorder)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _stream(stream) -> list:
    """How the caller's Python writes (or reads) one of its standard streams."""
    if stream is None or not hasattr(stream, "encoding"):
        return ["utf-8", "strict", False, False]
    return [stream.encoding, stream.errors, bool(getattr(stream, "line_buffering", False)),
            bool(getattr(stream, "write_through", False))]


def _send(connection: socket.socket, data: bytes) -> None:
    try:
        connection.sendall(data)
    except OSError:
        pass


# The warm builder

class _Build:
    """A build under way: its caller's connection, its process, and whether the caller is still there."""

    def __init__(self, caller: socket.socket, pid: int) -> None:
        self.caller, self.pid, self.pidfd, self.heard = caller, pid, os.pidfd_open(pid), True


class _Stop(Exception):
    pass


class _Refused(Exception):
    def __init__(self, current: bool) -> None:
        self.current = current  # False: the code changed since the imports


def _stop(*_: object) -> None:
    raise _Stop


def serve() -> None:
    """
    The warm builder: import, then fork a build for each caller, until idle,
    told to end (SIGTERM) or out of date; builds under way then finish, still
    interrupted, paused or ended by their callers.
    """
    import ctypes
    import fcntl
    import gc
    import resource  # noqa: F401 - for `_conditions`: all the builder imports is imported before `loaded`
    import select
    import signal
    import time  # noqa: F401 - for `_accept`

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})  # taken only while waiting
    os.chdir("/")  # hold no project's folder
    try:
        os.close(os.pidfd_open(os.getpid()))  # a kernel (or sandbox) without it: no warm builder
    except OSError:
        return
    global _libc
    _libc = ctypes.CDLL(None, use_errno=True)
    held = open(_place("lock"), "a")
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another warm builder got here first
    held.truncate(0)
    held.write(f"{os.getpid()}\n")  # who holds it, while it does
    held.flush()
    # What a build imports, done once for every fork (Jinja's i18n extension is loaded by its name), with
    # what some builds import later (Pygments' rules, compiled with its lexer; what a new formula needs), and
    # the Markdown of titles and summaries (made from the code alone, and reset before each use)
    import jinja2.ext  # noqa: F401

    from . import build, cli, command, highlight, katex_process, latex_text, mathml, page, prose, render  # noqa: F401
    from . import symbols  # noqa: F401

    prose._markdown(())

    loaded = _loaded_files()
    gc.freeze()  # what the imports made is never collected: forks share it untouched
    place = _place("sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        os.unlink(place)
    except FileNotFoundError:
        pass
    old_mask = os.umask(0o177)  # the socket: this user's only
    try:
        listener.bind(place)
        ours = os.stat(place).st_ino
    except OSError:
        return
    finally:
        os.umask(old_mask)
    listener.listen(16)
    builder = os.getpid()
    signal.signal(signal.SIGTERM, _stop)
    builds: dict[int, _Build] = {}  # by pidfd
    listening = True
    try:
        while listening or builds:
            callers = {build.caller.fileno(): build for build in builds.values() if build.heard}
            waiting = [*([listener.fileno()] if listening else []), *builds, *callers]
            try:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
                try:
                    ready, _, _ = select.select(waiting, [], [], None if builds else IDLE_SECONDS)
                finally:
                    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
            except _Stop:
                ready = []
                listening = _unlisten(listener, place, ours)
                continue
            if not ready and not builds:
                return  # idle
            for fd in ready:
                if fd in builds:  # a build ended
                    _report(builds.pop(fd))
                elif fd in callers and callers[fd].pidfd in builds:  # its caller: Ctrl-C, Ctrl-Z, on, or gone
                    _heard(callers[fd])
                elif listening and fd == listener.fileno() and not _accept(listener, loaded, builds, held, builder):
                    listening = _unlisten(listener, place, ours)  # out of date
    finally:
        if os.getpid() == builder:  # never in a fork
            _unlisten(listener, place, ours)
            held.truncate(0)  # the lock's file stays (a builder may be starting on it); no number in it outlives us


def _unlisten(listener: socket.socket, place: str, ours: int) -> bool:
    """No new builds: the socket closed and gone (unless a newer builder's is there). False, for `listening`."""
    try:
        if os.stat(place).st_ino == ours:
            os.unlink(place)
    except OSError:
        pass
    listener.close()
    return False


def _heard(build: _Build) -> None:
    """What a build's caller said: Ctrl-C, Ctrl-Z or on again, to the build; or gone, and the build ends."""
    import signal

    try:
        said = build.caller.recv(16)
    except OSError:
        said = b""
    build.heard = bool(said)
    signals = [{_INTERRUPT: signal.SIGINT, _PAUSE: signal.SIGSTOP, _RESUME: signal.SIGCONT}.get(bytes([byte]))
               for byte in said] if said else [signal.SIGTERM, signal.SIGCONT]
    for number in filter(None, signals):
        signal.pidfd_send_signal(build.pidfd, number)  # by its pidfd: never a process that took the number since


def _accept(listener: socket.socket, loaded: dict[str, tuple], builds: dict[int, _Build], held, builder: int) -> bool:
    """Take one caller's build and fork it; False (the caller told) if the code changed since the imports."""
    import signal
    import time

    caller, _ = listener.accept()
    fds: list[int] = []
    request: object = None
    try:
        ends = time.monotonic() + _ANSWER_SECONDS  # a caller that says nothing, or little at a time, is not waited for

        def within() -> float:
            left = ends - time.monotonic()
            if left <= 0:
                raise OSError("too slow")
            return left

        pid, user = _peer(caller)
        if user != os.getuid():
            raise OSError("another user")
        header = b""
        while len(header) < 8:
            caller.settimeout(within())
            chunk = caller.recv(8 - len(header))
            if not chunk:
                raise OSError("the caller left")
            header += chunk
        size, body = int.from_bytes(header, "little"), b""
        while len(body) < size:
            caller.settimeout(within())
            chunk = caller.recv(min(size - len(body), 1 << 20))
            if not chunk:
                raise OSError("the caller left")
            body += chunk
        request = json.loads(body.decode("utf-8", "surrogateescape"))
        current = _loaded_files(loaded) == loaded
        if not (current and isinstance(request, dict) and request.get("identity") == _identity()
                and _conditions(pid) == _conditions(os.getpid())):
            _send(caller, _REFUSED)
            raise _Refused(current)
        caller.sendall(_READY)
        caller.settimeout(within())
        word, fds, _, _ = socket.recv_fds(caller, len(_GO), 3)
        if word != _GO or len(fds) != 3:
            raise OSError("the caller left")  # it stopped waiting, and builds itself
        caller.settimeout(None)
    except (OSError, ValueError, _Refused) as refused:  # the caller's streams are never kept open: it builds itself
        for fd in fds:
            os.close(fd)
        caller.close()
        return refused.current if isinstance(refused, _Refused) else True
    child = os.fork()  # SIGTERM and SIGINT blocked: the fork sets its own handlers before it takes either
    if child == 0:
        try:
            _build(request, fds, [listener.fileno(), held.fileno(), caller.fileno(), *builds,
                                  *(build.caller.fileno() for build in builds.values())], builder)
        finally:
            os._exit(2)
    for fd in fds:
        os.close(fd)
    build = _Build(caller, child)
    builds[build.pidfd] = build
    return True


def _report(build: _Build) -> None:
    """A build ended: its exit code to its caller, or the signal that ended it."""
    _, status = os.waitpid(build.pid, 0)
    os.close(build.pidfd)
    _send(build.caller, (str(os.WEXITSTATUS(status)) if os.WIFEXITED(status) else f"s{os.WTERMSIG(status)}").encode())
    build.caller.close()


_libc = None  # the C library, in the builder: `prctl`, and the I/O class of a process


def _conditions(pid: int) -> list:
    """
    What process `pid` runs as and under: user and groups, capabilities and
    the like, processors, control group, root and namespaces, priority,
    scheduling, I/O class, resource limits, out-of-memory score. A fork of the
    builder runs as the builder does: a caller must run the same.
    """
    import resource

    kept = ("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp",
            "Cpus_allowed_list", "Mems_allowed_list")
    found: list = []
    for name in ("status", "cgroup", "oom_score_adj", "attr/current"):
        try:
            with open(f"/proc/{pid}/{name}", "rb") as file:
                text = file.read()
            found.append([line for line in text.split(b"\n") if line.split(b":")[0].decode() in kept]
                         if name == "status" else text)
        except OSError:
            found.append(None)
    for name in ("root", *(f"ns/{kind}" for kind in ("mnt", "pid", "net", "user", "uts", "ipc", "cgroup"))):
        try:
            found.append(os.readlink(f"/proc/{pid}/{name}"))
        except OSError:
            found.append(None)
    try:
        found += [os.getpriority(os.PRIO_PROCESS, pid), os.sched_getscheduler(pid), os.sched_getparam(pid).sched_priority,
                  [resource.prlimit(pid, getattr(resource, name)) for name in sorted(dir(resource))
                   if name.startswith("RLIMIT_")]]
    except OSError:
        found.append(None)
    found.append(_libc.syscall(_IOPRIO_GET, 1, pid) if _libc is not None else None)  # 1: one process
    return found


def _build(request: dict, fds: list[int], builders_files: list[int], builder: int) -> None:
    """In the fork: become the caller's `site-gen build` (folder, environment, terminal), build, exit."""
    import io
    import signal
    import time

    from .cli import main
    from .command import collect_seldom, leave

    code = 2
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
        _libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: a builder killed takes its builds with it
        if os.getppid() != builder:
            return
        for fd in builders_files:
            os.close(fd)  # the build holds none of the builder's files (a fork of KaTeX's would inherit them)
        collect_seldom()
        for number, fd in enumerate(fds):
            os.dup2(fd, number)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()
        os.umask(request["umask"])
        streams = []
        for number, (encoding, errors, line_buffering, write_through) in enumerate(request["streams"]):
            raw = io.FileIO(number, "r" if number == 0 else "w", closefd=False)
            buffered = io.BufferedReader(raw) if number == 0 else io.BufferedWriter(raw)
            streams.append(io.TextIOWrapper(buffered, encoding, errors, line_buffering=line_buffering,
                                            write_through=write_through))
        sys.stdin, sys.stdout, sys.stderr = streams
        sys.argv = ["site-gen", *request["argv"]]
        code = main(request["argv"])
    except SystemExit as exit:  # argparse's usage errors and --help: exit as Python would
        if exit.code is None or isinstance(exit.code, int):
            code = exit.code or 0
        else:
            print(exit.code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001 - whatever happens, this process must not go back to serving
        code = 2
    leave(code)


def _loaded_files(known: dict[str, tuple] | None = None) -> dict[str, tuple]:
    """Size and time of every file of the code in this process (and of Python itself), or of those `known`."""
    found = {}
    paths = known or [sys.executable, *(getattr(module, "__file__", None) for module in list(sys.modules.values()))]
    for path in paths:
        if path:
            try:
                stat = os.stat(path)
            except OSError:
                continue
            found[path] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    return found
