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
started for the next. A caller whose Python settings, import paths or limits
(priority, processors, resources, control group) differ from those the
builder started under is refused the same way. Ctrl-C in the caller
interrupts the build; a caller killed takes its build with it.
`SITE_GEN_WARM=0` turns all this off (the tests do, but for their own checks
of it), as does `CI` being set (nothing should outlive a CI job) unless
`SITE_GEN_WARM=1`; it needs Linux (a process's file descriptor, `pidfd_open`).

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
_OFF = "SITE_GEN_WARM"
_INTERRUPT, _STALE, _STARTED = b"i", b"stale", b"+"
_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def usable() -> bool:
    """On Linux, unless `SITE_GEN_WARM=0`, or on a CI machine (`CI` set), where nothing should outlive a job."""
    wanted = os.environ.get(_OFF, "0" if os.environ.get("CI") else "1") != "0"
    return wanted and sys.platform == "linux" and hasattr(os, "pidfd_open")


def delegate(argv: list[str]) -> int | None:
    """Run `site-gen build …` in a fork of the warm builder, if one is there; its exit code."""
    if not argv or argv[0] != "build" or not usable():
        return None
    caller = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        caller.connect(_place("sock"))
        request = json.dumps({"identity": _identity(), "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ),
                              "umask": _umask(), "streams": [_stream(s) for s in (sys.stdin, sys.stdout, sys.stderr)]})
        body = request.encode("utf-8", "surrogateescape")
        socket.send_fds(caller, [len(body).to_bytes(8, "little")], [0, 1, 2])
        caller.sendall(body)
    except (OSError, ValueError):  # none listening, a folder gone, a standard stream closed: build here
        caller.close()
        return None
    reply = b""
    while True:
        try:
            chunk = caller.recv(64)
        except KeyboardInterrupt:  # Ctrl-C reaches this process only: pass it on, and wait for the build to stop
            _send(caller, _INTERRUPT)
            continue
        except OSError:
            chunk = b""
        if not chunk:
            break
        reply += chunk
    caller.close()
    if not reply.startswith(_STARTED):
        return None  # refused (`_STALE`), or a builder that was ending: build here
    if not reply[1:].isdigit():  # the builder was killed: the build may have run, or be running still
        print("site-gen: the warm builder ended during the build; build again", file=sys.stderr)
        return 2
    return int(reply[1:])


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
    What a build may depend on besides its command, folder, environment and
    streams: this Python, its options and `PYTHON…` settings, this code, the
    import paths (the first is the caller's script's or current folder: not
    ours), and what the process runs as and under (user and groups, priority,
    processors, resource limits, control group, root and namespaces). A
    builder inherits all of it from the build that started it.
    """
    import resource

    limits = [resource.getrlimit(getattr(resource, name)) for name in sorted(dir(resource)) if name.startswith("RLIMIT_")]
    places = []
    for name in ("root", *(f"ns/{kind}" for kind in ("mnt", "pid", "net", "user", "uts", "ipc", "cgroup"))):
        try:
            places.append(os.readlink(f"/proc/self/{name}"))
        except OSError:
            places.append("")
    try:
        with open("/proc/self/cgroup") as groups:
            places.append(groups.read())
    except OSError:
        pass
    return json.dumps([sys.executable, sys.version, repr(sys.flags), sys._xoptions, sys.warnoptions,
                       sorted((key, value) for key, value in os.environ.items() if key.startswith("PYTHON")),
                       sys.getfilesystemencoding(), _PACKAGE, *sys.path[1:],
                       os.getuid(), os.geteuid(), os.getgid(), os.getegid(), sorted(os.getgroups()),
                       os.getpriority(os.PRIO_PROCESS, 0), sorted(os.sched_getaffinity(0)), limits, places])


def _place(suffix: str) -> str:
    """The socket (`sock`) or lock (`lock`) of the warm builder of `_identity()`, in the user's cache folder."""
    import platformdirs

    folder = os.path.join(platformdirs.user_cache_dir("site-gen"), "warm")
    return os.path.join(folder, f"{zlib.crc32(_identity().encode('utf-8', 'surrogateescape')):08x}.{suffix}")


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


def serve() -> None:
    """The warm builder: import, then fork a build for each caller until idle or out of date."""
    import fcntl
    import gc
    import select
    import signal

    os.chdir("/")  # hold no project's folder
    try:
        os.close(os.pidfd_open(os.getpid()))  # a kernel (or sandbox) without it: no warm builder
    except OSError:
        return
    held = open(_place("lock"), "a")
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another warm builder got here first
    held.truncate(0)
    held.write(f"{os.getpid()}\n")  # who holds it: `kill $(cat …lock)` ends a warm builder
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
    signal.signal(signal.SIGTERM, _stop)
    builds: dict[int, _Build] = {}  # by pidfd
    try:
        while True:
            callers = {build.caller.fileno(): build for build in builds.values() if build.heard}
            ready, _, _ = select.select([listener.fileno(), *builds, *callers], [], [],
                                        None if builds else IDLE_SECONDS)
            if not ready:
                return  # idle
            for fd in ready:
                if fd in builds:  # a build ended
                    _report(builds.pop(fd))
                elif fd in callers and callers[fd].pidfd in builds:  # its caller: Ctrl-C, or gone
                    build = callers[fd]
                    try:
                        said = build.caller.recv(16)
                    except OSError:
                        said = b""
                    build.heard = bool(said)
                    # By its pidfd: never a process that took the number of one ended meanwhile
                    signal.pidfd_send_signal(build.pidfd, signal.SIGINT if said else signal.SIGTERM)
                elif fd == listener.fileno():
                    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # a fork is never left untracked
                    try:
                        current = _accept(listener, loaded, builds, held)
                    finally:
                        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
                    if not current:
                        raise _Stop
    except _Stop:  # out of date, or told to end: no new builds; those under way finish
        listener.close()
        for build in builds.values():
            _report(build)
    finally:
        try:
            if os.stat(place).st_ino == ours:  # not a newer builder's
                os.unlink(place)
        except OSError:
            pass


class _Stop(Exception):
    pass


def _stop(*_: object) -> None:
    raise _Stop


def _accept(listener: socket.socket, loaded: dict[str, tuple], builds: dict[int, _Build], held) -> bool:
    """Take one caller's build and fork it; False (the caller told) if the code changed since the imports."""
    import signal

    caller, _ = listener.accept()
    fds: list[int] = []
    try:
        caller.settimeout(10)  # a caller that connects and says nothing cannot hold up the others
        credentials = caller.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        if int.from_bytes(credentials[4:8], sys.byteorder) != os.getuid():
            raise OSError("another user")
        header, fds, _, _ = socket.recv_fds(caller, 8, 3)
        size = int.from_bytes(header, "little") if len(fds) == 3 and len(header) == 8 else -1
        body = b""
        while 0 <= len(body) < size:
            chunk = caller.recv(min(size - len(body), 1 << 20))
            if not chunk:
                raise OSError("the caller left")
            body += chunk
        request = json.loads(body.decode("utf-8", "surrogateescape")) if size >= 0 else {}
        caller.settimeout(None)
    except (OSError, ValueError):
        request = {}
    current = _loaded_files() == loaded
    if not current or not isinstance(request, dict) or request.get("identity") != _identity():
        for fd in fds:
            os.close(fd)
        _send(caller, _STALE)
        caller.close()
        return current
    pid = os.fork()
    if pid == 0:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        for fd in [listener.fileno(), held.fileno(), caller.fileno(), *builds,
                   *(build.caller.fileno() for build in builds.values())]:
            os.close(fd)  # the build holds none of the builder's files (a fork of KaTeX's would inherit them)
        _build(request, fds)
    for fd in fds:
        os.close(fd)
    build = _Build(caller, pid)
    builds[build.pidfd] = build
    _send(caller, _STARTED)
    return True


def _report(build: _Build) -> None:
    """A build ended: its exit code to its caller (128 + the signal that ended it, as a shell says)."""
    _, status = os.waitpid(build.pid, 0)
    os.close(build.pidfd)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
    _send(build.caller, str(code).encode())
    build.caller.close()


def _build(request: dict, fds: list[int]) -> None:
    """In the fork: become the caller's `site-gen build` (folder, environment, terminal), build, exit."""
    import io
    import signal
    import time

    from .cli import main
    from .command import collect_seldom, leave

    code = 2
    try:
        collect_seldom()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
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
    except SystemExit as exit:  # argparse's usage errors and --help: the code Python would exit with
        code = exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 1
    except BaseException:  # noqa: BLE001 - whatever happens, this process must not go back to serving
        code = 2
    leave(code)


def _loaded_files() -> dict[str, tuple]:
    """Size and time of every file of the code in this process (and of Python itself)."""
    found = {}
    for path in [sys.executable, *(getattr(module, "__file__", None) for module in list(sys.modules.values()))]:
        if path:
            try:
                stat = os.stat(path)
            except OSError:
                continue
            found[path] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    return found
