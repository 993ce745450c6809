"""
# Writing the site

The last stage, and the only code that writes to the output folder. In: the
output folder and every file of the new site (site path → bytes). Out: the
site in place, whole: the new site is assembled beside the old one (unchanged
files hard-linked, not copied) and swapped in with two renames, so a build
killed at any moment leaves the previous site complete, and the next build
finishes the job. One build at a time writes a folder; the lock lives in the
user's cache folder, so nothing is left beside the output.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Iterator

from .cache import digest
from .config import Config, user_cache

MARKER = ".site-gen"  # marks a folder as ours to replace


class BuildError(Exception):
    """The build cannot start or finish (as opposed to a problem in one input)."""


def check_out(config: Config) -> None:
    """The output folder is replaced whole, so it must hold nothing else of ours."""
    out = config.out
    for root in [config.root, *(r.dir for r in config.sources)]:
        if root == out or out in root.parents:
            raise BuildError(f"{out}: the output folder contains the sources ({root}); choose another --out")


def lock_path(out: Path) -> Path:
    """The lock of an output folder, in the user's cache folder: nothing is left beside the output."""
    return user_cache("locks") / f"{digest(str(out.resolve()))[:24]}.lock"


@contextmanager
def lock(out: Path) -> Iterator[None]:
    """
    One build at a time per output folder. The lock file is removed when the
    build ends (while still held), so lock files do not pile up; a build that
    locked a file removed meanwhile tries again on the new one.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = open(path, "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise BuildError(f"{out}: another build is writing this folder; try again when it has finished") from None
        if _still_at(path, handle.fileno()):
            break
        handle.close()  # the holder before us removed it: lock the one now at `path`
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _still_at(path: Path, descriptor: int) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(descriptor).st_ino
    except FileNotFoundError:
        return False


def write_site(out: Path, outputs: dict[PurePosixPath, bytes]) -> bool:
    """
    Put `outputs` in place as the whole of `out`, never half-written: the new
    site is assembled beside it (unchanged files hard-linked, not copied) and
    swapped in with two renames. Returns False when nothing changed.
    """
    _recover(out)
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise BuildError(f"{out}: exists and was not written by site-gen; refusing to replace it")
    current = {PurePosixPath(p.relative_to(out).as_posix()) for p in out.rglob("*") if p.is_file()} \
        if out.exists() else set()
    unchanged = {path for path in outputs if path in current and _same(out / path, outputs[path])}
    if current == set(outputs) and unchanged == current:
        return False
    staging = out.parent / f".{out.name}.new"
    old = out.parent / f".{out.name}.old"
    shutil.rmtree(staging, ignore_errors=True)
    for site_path, data in sorted(outputs.items()):
        target = staging / site_path
        target.parent.mkdir(parents=True, exist_ok=True)
        if site_path in unchanged:
            os.link(out / site_path, target)
        else:
            target.write_bytes(data)
    if out.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old, ignore_errors=True)
    return True


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _recover(out: Path) -> None:
    """Put back the previous site if a build was killed between its two renames."""
    old = out.parent / f".{out.name}.old"
    if not out.exists() and old.exists():
        os.rename(old, out)
