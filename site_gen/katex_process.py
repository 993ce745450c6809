"""
# KaTeX in a process of its own

pykatex 0.1.1 mishandles the errors it reports: reading an exception's name
and message, it releases the name twice. A `ParseError` owns its name, so the
extra release only touches a string the error keeps alive; any other error
KaTeX throws (`\\begin{array}{\\textbf{l}}` gives "Expected symbol group
type") inherits its name from `Error.prototype`, and three such errors free
that shared string and corrupt the heap: the process aborts, or worse, goes on
with damaged memory.

So the build never calls KaTeX in its own process. `render` sends the formula
to a child process that holds the KaTeX engine and sends back its HTML or
its error. A child that reported an error exits, and the next formula starts a
fresh one, so no engine ever renders after an error. A child that dies while
rendering is replaced and the formula tried once more; if it dies again the
formula is reported as one KaTeX cannot render.

In: LaTeX and KaTeX's options. Out: KaTeX's HTML, or `KatexError` with its
message. A child ends with its parent: it waits on a socket whose other end
only the parent holds (forked processes close their inherited copy).
"""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.connection import Connection


class KatexError(Exception):
    """KaTeX rejected a formula; the message is KaTeX's, without its "KaTeX parse error: " prefix."""


class _Child:
    def __init__(self) -> None:
        import socket  # on first use: an edit build may render no formula
        from multiprocessing.connection import Connection

        ours, theirs = socket.socketpair()
        self.pid = os.fork()
        if self.pid == 0:  # the child: serve until the parent closes its end, or after an error
            ours.close()
            kept = theirs.detach()
            # Nothing else the parent had open stays open here: a pipe another process waits to see
            # closed (a browser driver's, a pool's), or a lock file, must close when the parent closes it
            os.closerange(3, kept)
            os.closerange(kept + 1, os.sysconf("SC_OPEN_MAX"))
            _serve(Connection(kept))
        theirs.close()
        self.connection = Connection(ours.detach())

    def render(self, tex: str, options: dict[str, Any]) -> tuple[bool, str]:
        self.connection.send((tex, options))
        return self.connection.recv()

    def stop(self) -> None:
        self.connection.close()
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass

    def forget(self) -> None:
        """In a forked copy of the parent: drop the inherited end, without ending the child."""
        self.connection.close()


def _serve(connection: Connection) -> None:
    """The child's whole life: it never returns into the copy of the parent's code it was forked from."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
        import pykatex

        while True:
            tex, options = connection.recv()  # EOFError once the parent has gone
            try:
                html = pykatex.renderToString(tex, **options)
            except Exception as error:  # noqa: BLE001 - pykatex raises its ParseError for every kind of error
                connection.send((False, str(error)))
                break  # the engine may be damaged: never render with it again
            connection.send((True, html))
    finally:
        os._exit(0)


_child: _Child | None = None
_stopping_at_exit = False  # `_stop` registered for this process's exit


def render(tex: str, **options: Any) -> str:
    """`pykatex.renderToString(tex, **options)`, in a child process."""
    global _child
    for attempt in range(2):
        if _child is None:
            _child = _Child()
            _stop_at_exit()
        try:
            ok, value = _child.render(tex, options)
        except (EOFError, OSError):  # the child died while rendering
            _stop()
            continue
        if not ok:
            _stop()
            raise KatexError(value)
        return value
    raise KatexError("KaTeX stopped while rendering this formula (a crash in pykatex)")


def _stop() -> None:
    global _child
    if _child is not None:
        _child.stop()
        _child = None


def _stop_at_exit() -> None:
    """End the engine, and wait for it, when this process ends: its CPU time counts as the build's."""
    global _stopping_at_exit
    if not _stopping_at_exit:
        from multiprocessing import util  # its exit hook runs in the build and in pool workers, atexit in the build only

        util.Finalize(None, _stop, exitpriority=1)
        _stopping_at_exit = True


def _after_fork_in_child() -> None:
    global _child, _stopping_at_exit
    _stopping_at_exit = False  # a process started by multiprocessing forgets its parent's exit hooks
    if _child is not None:
        _child.forget()
        _child = None


os.register_at_fork(after_in_child=_after_fork_in_child)
