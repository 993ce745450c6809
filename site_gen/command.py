"""
# The `site-gen` command

Where a command runs: in a fork of a warm builder when one is there (`warm`),
else here (`cli.main`). Only this module and `warm` are imported before that
is known, so a command handed on has not paid for the imports it saves.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def run() -> NoReturn:
    """
    `site-gen`: the command, with the cycle collector run once every 100,000
    new objects, not 700 (a build makes millions of objects and few cycles:
    scanning them cost ~4% of a cold build's CPU, and ~7 ms of an edit build's
    even at every 20,000; the price, a few MB of garbage waiting longer: a cold
    standard-library build peaked at 123 MB, not 114). A build run here starts
    a warm builder for the next. (Not `cli.main`: tests call that many times in
    one process.)
    """
    collect_seldom()
    from . import warm

    code = warm.delegate(sys.argv[1:])
    if code is None:
        from .cli import main

        code = main()
        if sys.argv[1:2] == ["build"]:
            warm.start()
    leave(code)


def collect_seldom() -> None:
    gc.set_threshold(100_000, 10, 10)


def leave(code: int) -> NoReturn:
    """
    Exit with `code` without taking apart what the command made: the exit
    hooks run (the KaTeX engine is stopped and waited for), the output is
    flushed, and the operating system frees the whole process at once
    (Python's own teardown, module by module and object by object, cost
    ~15 ms of an edit build).
    """
    atexit._run_exitfuncs()  # what a normal exit runs first; only the teardown after it is skipped
    flush()
    os._exit(code)


def flush() -> None:
    """Write out what the standard output and error hold, before a way out that does not."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None: started without it (`2>&-`)
                stream.flush()
        except (OSError, ValueError):  # closed, or a reader that went away: nothing more can be said
            pass
