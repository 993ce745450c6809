"""
# Writing the site

The last stage, and the only code that writes to the output folder. In: the
output folder, then each file of the new site (site path → bytes) as soon as
it is made, so the site is never held in memory whole. Out: the site in place,
whole: the new site is assembled beside the old one (unchanged files
hard-linked, not copied) and swapped in with two renames, so a build that
fails or is killed at any moment leaves the previous site complete, and the
next build finishes the job. One build at a time writes a folder; the lock
lives in the user's cache folder, so nothing is left beside the output, and a
process forked while it is held (a pool worker) does not keep it. A disk that
is full or read-only, or an output folder that cannot be renamed (a mount
point), stops the build with a `BuildError` naming the path; the old site
stays as it was.

Removing a folder waits for the disk (a few ms each, far more than the rest
of an edit build's writing), so with a place for it (`spare`, in the cache
folder) the old site's folders are kept, emptied of files, and the next build
stages its site in them: only a folder the site gains or loses is made or
removed.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import shutil
import stat
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Iterator

from .cache import digest
from .config import Config, user_cache
from .stamp import file_stat

MARKER = ".site-gen"  # marks a folder as ours to replace


class BuildError(Exception):
    """The build cannot start or finish (as opposed to a problem in one input)."""


def check_out(config: Config) -> None:
    """The output folder is replaced whole, so it must hold nothing else of ours."""
    out = config.out
    for root in [config.root, *(r.dir for r in config.sources)]:
        if root == out or out in root.parents:
            raise BuildError(f"{out}: the output folder contains the sources ({root}); choose another --out")


# Descriptors of the locks this process holds: a forked child must not keep them (see `_drop_locks`)
_held: set[int] = set()


def _drop_locks() -> None:
    """
    In a forked child: point each inherited lock descriptor at /dev/null. A
    flock is released only once every descriptor of the locked file is closed,
    so a pool worker left alive by a build killed with SIGKILL would otherwise
    block every later build. (Replaced, not closed: the child's copy of the
    file object still owns the number.)
    """
    if not _held:
        return
    null = os.open(os.devnull, os.O_RDWR)
    for descriptor in _held:
        os.dup2(null, descriptor)
    os.close(null)
    _held.clear()


os.register_at_fork(after_in_child=_drop_locks)


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
    _held.add(handle.fileno())
    try:
        yield
    finally:
        _held.discard(handle.fileno())
        path.unlink(missing_ok=True)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _still_at(path: Path, descriptor: int) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(descriptor).st_ino
    except FileNotFoundError:
        return False


class Staging:
    """
    A new site, file by file, beside the old one: `put` each file as soon as it
    is made, then `commit` swaps the whole folder in with two renames, or
    `abandon` (and any exception inside `with`) drops it, leaving the old site
    as it was. A file the same as the old site's is hard-linked, not copied, and
    nothing touches the disk before the first file that differs, so a build that
    changes nothing writes nothing.

    `known`: the pages the last build wrote, by path, with the size and times
    it saw after it and their hash (`stamp.known_outputs`); `hashes`: the
    hash of each page put, for the next build's. `spare`: where the old
    site's folders, emptied, wait for the next build to stage in (none:
    removed).
    """

    def __init__(self, out: Path, known: dict[str, tuple[list[int], str]] | None = None,
                 spare: Path | None = None) -> None:
        with _reported(out):
            _recover(out)
        if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
            raise BuildError(f"{out}: exists and was not written by site-gen; refusing to replace it")
        self.out = out
        self.folder = out.parent / f".{out.name}.new"
        self._old = out.parent / f".{out.name}.old"
        self._current = _files(out)
        self._put: set[PurePosixPath] = set()
        self._unlinked: set[PurePosixPath] = set()  # put, the same as the old site's, and not in the folder yet
        self._changed: set[PurePosixPath] = set()  # put last with other bytes than the old site's
        self._known = known or {}
        self.hashes: dict[PurePosixPath, str] = {}
        self._spare = spare
        self._recycled = False  # staging in the folders of an earlier site: anything not put is removed
        self._started = False
        self._folders: set[str] = set()  # made in the staging folder
        self._filed: set[PurePosixPath] = set()  # linked or written into it
        shutil.rmtree(self.folder, ignore_errors=True)  # left by a build that was killed

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, kind: type | None, *_: object) -> None:
        if kind is not None:
            self.abandon()

    def put(self, site_path: PurePosixPath, data: bytes, sha256: str | None = None) -> None:
        """One file of the new site (a second `put` of a path replaces the first); a page's `content_hash` if known."""
        self._place(site_path, data, site_path in self._current and _same(self.out / site_path, data))
        self._hashed(site_path, sha256)

    def reuse(self, site_path: PurePosixPath, sha256: str) -> bool:
        """
        Put the old site's file at `site_path` as it is, if its bytes are those
        whose `content_hash` is `sha256`; False (nothing put) if they are not:
        an unchanged page is checked without its bytes being fetched or made.
        """
        if site_path not in self._current:
            return False
        path = self.out / site_path
        seen = self._known.get(str(path))
        if seen is None or seen[1] != sha256 or file_stat(str(path)) != seen[0]:  # else not written since
            try:
                data = path.read_bytes()
            except OSError:
                return False
            if content_hash(data) != sha256:
                return False
        self._place(site_path, b"", True)
        self._hashed(site_path, sha256)
        return True

    def _hashed(self, site_path: PurePosixPath, sha256: str | None) -> None:
        if sha256 is None:
            self.hashes.pop(site_path, None)
        else:
            self.hashes[site_path] = sha256

    def _place(self, site_path: PurePosixPath, data: bytes, same: bool) -> None:
        """`data` at `site_path` in the new site; `same`: as the old site has it (linked, not written)."""
        self._put.add(site_path)
        self._unlinked.discard(site_path)
        (self._changed.discard if same else self._changed.add)(site_path)
        if same and not self._started:
            self._unlinked.add(site_path)
            return
        self._start()
        self._file(site_path, data, same)

    def _file(self, site_path: PurePosixPath, data: bytes, same: bool) -> None:
        """
        One file of the staging folder: a link to the old site's (`same`) or
        `data`. In strings, with the folders made remembered: an edit build links
        every page, and pathlib's objects and a `mkdir` each cost more than the link.
        """
        target = os.path.join(self.folder, site_path)
        with _reported(target):
            folder = os.path.dirname(target)
            if folder not in self._folders:
                os.makedirs(folder, exist_ok=True)
                self._folders.add(folder)
            if site_path in self._filed:
                _clear(Path(target))  # may be a link to the old site's file, which must not change
            self._filed.add(site_path)
            old = os.path.join(self.out, site_path) if same else None
            try:
                _link_or_write(old, data, target)
            except (FileExistsError, IsADirectoryError):  # a recycled folder where the new site has a file
                _clear(Path(target))
                _link_or_write(old, data, target)

    @property
    def files(self) -> int:
        """How many files the new site has."""
        return len(self._put)

    def commit(self) -> bool:
        """Swap the new site in, whole. Returns False when nothing changed (and nothing was written)."""
        if not self._changed and self._put == self._current:
            self.abandon()  # a file changed and was put back: the old site is the new one
            return False
        self._start()
        if self._recycled:
            with _reported(self.folder):
                self._tidy()
        if self.out.exists():
            shutil.rmtree(self._old, ignore_errors=True)
            try:
                os.rename(self.out, self._old)
            except OSError as error:
                raise BuildError(_cannot_replace(self.out, error)) from None
        try:
            os.rename(self.folder, self.out)
        except OSError as error:
            _recover(self.out)  # the old site back in place
            raise BuildError(_cannot_replace(self.out, error)) from None
        self._keep_folders(self._old)
        return True

    def _tidy(self) -> None:
        """Remove the recycled folders the new site does not have (it has every file in the staging folder)."""
        needed = set()
        for site_path in self._put:
            folder = os.path.dirname(str(site_path))
            while folder and folder not in needed:
                needed.add(folder)
                folder = os.path.dirname(folder)
        top = str(self.folder)
        for folder, folders, _ in os.walk(top, topdown=False):
            for name in folders:
                path = os.path.join(folder, name)
                if os.path.relpath(path, top) not in needed:
                    shutil.rmtree(path)

    def _keep_folders(self, old: Path) -> None:
        """The old site's folders, emptied of files, moved to `spare` for the next build; else removed."""
        if self._spare is not None and not self._spare.exists():
            try:
                _folders_only(old)
                os.rename(old, self._spare)
                return
            except OSError:
                pass  # another file system, say: removed
        shutil.rmtree(old, ignore_errors=True)

    def abandon(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _start(self) -> None:
        """The staging folder, with the unchanged files put so far linked into it."""
        if self._started:
            return
        self._started = True
        try:
            # A real folder only: a link would have the site written wherever it points
            if self._spare is not None and stat.S_ISDIR(os.lstat(self._spare).st_mode):
                os.rename(self._spare, self.folder)
                self._recycled = True
                _folders_only(self.folder)  # as we leave it; anything else put there is not ours
        except OSError:
            pass  # none, or not movable here: a new folder
        try:
            if not self._recycled:
                self.folder.mkdir(parents=True)
        except OSError as error:
            if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise BuildError(_cannot_replace(self.out, error, self.folder)) from None
            raise BuildError(_cannot_write(self.folder, error)) from None
        for site_path in sorted(self._unlinked):
            self._file(site_path, b"", True)
        self._unlinked.clear()


@contextmanager
def _reported(path: Path | str) -> Iterator[None]:
    """An error of the disk (full, read-only) as a `BuildError` naming `path`, not a traceback."""
    try:
        yield
    except OSError as error:
        raise BuildError(_cannot_write(path, error)) from None


def _cannot_write(path: Path | str, error: OSError) -> str:
    return f"cannot write {error.filename or path}: {error.strerror or error}"


def _cannot_replace(out: Path, error: OSError, beside: Path | None = None) -> str:
    """Why the output folder cannot be swapped for the new site, and what to do."""
    reason = error.strerror or str(error)
    if beside is not None:
        return (f"{out}: cannot be replaced: the new site is built beside it, in {beside}, and {beside.parent} "
                f"refuses it ({reason}); make {beside.parent} writable or choose an --out inside a writable folder")
    if error.errno in (errno.EBUSY, errno.EXDEV):
        return (f"{out}: cannot be replaced ({reason}): the new site is swapped in by renaming the folder, which a "
                f"mount point (such as a Docker volume) does not allow; mount its parent and build into a folder inside it")
    return f"{out}: cannot be replaced ({reason})"


def content_hash(data: bytes) -> str:
    """What `Staging.reuse` compares a file of the old site with."""
    return hashlib.sha256(data).hexdigest()


def _files(top: Path, within: PurePosixPath = PurePosixPath()) -> set[PurePosixPath]:
    """The files under `top` (links to files too, as `Path.is_file`), by path within it; folders linked are not followed."""
    found = set()
    try:
        entries = list(os.scandir(top))
    except OSError:
        return found
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            found |= _files(Path(entry.path), within / entry.name)
        elif entry.is_file():
            found.add(within / entry.name)
    return found


def _link_or_write(old: str | None, data: bytes, target: str) -> None:
    """`target` as a new link to the file `old`, or (no `old`) a new file holding `data`; never through an existing one."""
    if old is not None:
        os.link(old, target)
    else:
        with open(target, "xb") as file:
            file.write(data)


def _clear(path: Path) -> None:
    """Nothing at `path`: a file or link removed; a recycled folder too."""
    try:
        path.unlink(missing_ok=True)
    except IsADirectoryError:
        shutil.rmtree(path)


def _folders_only(top: Path) -> None:
    """Remove every file and link under `top`, keeping its folders."""
    for folder, folders, files in os.walk(top):
        for name in files + [name for name in folders if os.path.islink(os.path.join(folder, name))]:
            os.unlink(os.path.join(folder, name))


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
