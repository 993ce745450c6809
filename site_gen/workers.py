"""
# Sharing work between cores

In: a function, a list of items, and one value every call needs (the site,
with its documents and known formulas). Out: `function(shared, item)` for
each item, in order (so the output never depends on the number of cores) and
as soon as each is ready (so a progress bar moves).

Workers are forked and receive the shared value once, through the pool's
initializer: it is never pickled, and never put in a global of the process
that starts the pool.

Workers end with the build, however it ends: each holds the read end of a
pipe whose only write end the build keeps. When the build dies, even by
`kill -9`, the pipe reports end of file and the worker exits, instead of
waiting forever on a task queue nobody feeds.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Iterator

# In a worker process only: what the pool initializer handed it
_received: tuple[Callable, Any] | None = None


def in_parallel(function: Callable[[Any, Any], Any], items: list, jobs: int, shared: Any = None) -> Iterator:
    """`function(shared, item)` for every item, over forked workers when it pays."""
    if jobs <= 1 or len(items) < 8:
        yield from (function(shared, item) for item in items)
        return
    import multiprocessing  # only when forking: an edit build renders a page or two in this process
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork")
    lifeline, held = os.pipe()
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=context,
                                 initializer=_receive, initargs=(function, shared, lifeline, held)) as pool:
            # One item at a time: a chunk's results all wait in the worker until its last is done, and each
            # page's HTML is large, so big chunks cost memory for no gain (a round trip is small beside a page)
            yield from pool.map(_call, items)
    finally:
        os.close(lifeline)
        os.close(held)


def _receive(function: Callable, shared: Any, lifeline: int, held: int) -> None:
    global _received
    _received = (function, shared)
    os.close(held)  # the build's copy must be the only write end left
    threading.Thread(target=_exit_with_build, args=(lifeline,), daemon=True).start()


def _exit_with_build(lifeline: int) -> None:
    os.read(lifeline, 1)  # end of file: the build has gone
    os._exit(1)


def _call(item: Any) -> Any:
    assert _received is not None, "called outside a worker started by in_parallel"
    function, shared = _received
    return function(shared, item)
