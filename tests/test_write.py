"""
The staging folder: files put one by one replace the old site whole on
`commit`, and never before. Invariants, for any old site and any sequence of
puts (a path put twice, a file put back unchanged, a file dropped): until
`commit` the old site is untouched, even where a new file was hard-linked to
it and then replaced; after `commit` the site is exactly the last file put
at each path; `commit` says whether anything changed, and writes nothing when
nothing did; `abandon` leaves the old site and no staging folder.
"""

from __future__ import annotations

import builtins
import errno
import os
import tempfile
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings, strategies as st

from site_gen.write import MARKER, BuildError, Staging

PATHS = [PurePosixPath(p) for p in ("index.html", "a.html", "sub/b.html", "sub/deep/c.svg", "_search/en.js")]
DATA = st.sampled_from([b"", b"one", b"two", b"<p>three</p>\n"])
SITES = st.dictionaries(st.sampled_from(PATHS), DATA)
PUTS = st.lists(st.tuples(st.sampled_from(PATHS), DATA), max_size=12)


def _write(out: Path, files: dict[PurePosixPath, bytes]) -> None:
    out.mkdir()
    for path, data in {PurePosixPath(MARKER): b"ours\n", **files}.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(data)


def _read(out: Path) -> dict[PurePosixPath, bytes]:
    return {PurePosixPath(p.relative_to(out).as_posix()): p.read_bytes() for p in out.rglob("*") if p.is_file()}


# Left in the folder of spare folders by hand, or by a build killed while it emptied them
LEFTOVERS = st.lists(st.sampled_from(["stray.html", "sub/stray.html", "gone/x.svg", "sub/deep", "a.html/x",
                                      "link"]), max_size=3, unique=True)


@settings(max_examples=100, deadline=None)
@given(sites=st.lists(SITES, min_size=1, max_size=4), leftovers=LEFTOVERS)
def test_a_site_staged_in_the_old_sites_folders_is_exactly_the_files_put(sites, leftovers) -> None:
    """The old site's folders are kept, emptied, for the next build: they never add a file or hold one."""
    with tempfile.TemporaryDirectory() as tmp:
        out, spare = Path(tmp) / "html", Path(tmp) / "cache" / "old-site"
        spare.parent.mkdir()
        _write(out, {})
        for number, site in enumerate(sites):
            if number == 1 and spare.is_dir():
                for leftover in leftovers:
                    path = spare / leftover
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.symlink_to(out) if leftover == "link" else path.write_bytes(b"stale")
            staging = Staging(out, spare=spare)
            files = {PurePosixPath(MARKER): b"ours\n", **site}
            for path, data in files.items():
                staging.put(path, data)
            staging.commit()
            assert _read(out) == files
            folders = {p.relative_to(out) for p in out.rglob("*") if p.is_dir()}
            assert folders == {parent for path in files for parent in path.parents} - {PurePosixPath(".")}
            kept = {p.relative_to(spare).as_posix() for p in spare.rglob("*") if p.is_symlink() or not p.is_dir()}
            assert kept <= set(leftovers)  # no file of a site (until used, leftovers stay where they were put)
        assert sorted(p.name for p in Path(tmp).iterdir()) == ["cache", "html"]


@pytest.mark.parametrize("spare_is", ["a file", "a link to a folder"])
def test_a_spare_folder_that_is_not_a_folder_is_never_written_through(tmp_path: Path, spare_is: str) -> None:
    out, spare, elsewhere = tmp_path / "html", tmp_path / "cache" / "old-site", tmp_path / "elsewhere"
    spare.parent.mkdir()
    elsewhere.mkdir()
    (elsewhere / "mine.txt").write_bytes(b"mine")
    spare.write_bytes(b"not a folder") if spare_is == "a file" else spare.symlink_to(elsewhere)
    _write(out, {PurePosixPath("a.html"): b"old"})
    staging = Staging(out, spare=spare)
    for path, data in {PurePosixPath(MARKER): b"ours\n", PurePosixPath("sub/b.html"): b"new"}.items():
        staging.put(path, data)
    assert staging.commit()
    assert _read(out) == {PurePosixPath(MARKER): b"ours\n", PurePosixPath("sub/b.html"): b"new"}
    assert sorted(p.name for p in elsewhere.iterdir()) == ["mine.txt"]


@settings(max_examples=150, deadline=None)
@given(old=SITES, puts=PUTS, commit=st.booleans())
def test_the_old_site_stays_whole_until_commit_and_then_is_exactly_the_files_put(old, puts, commit) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "html"
        _write(out, old)
        before = _read(out)
        new = {PurePosixPath(MARKER): b"ours\n"}
        staging = Staging(out)
        for path, data in [(PurePosixPath(MARKER), b"ours\n"), *puts]:
            staging.put(path, data)
            new[path] = data
            assert _read(out) == before  # a link to an old file is never written through
        if commit:
            # A path changed and then put back to its old bytes counts as unchanged
            assert staging.commit() == (new != before)
            assert _read(out) == new
            assert staging.files == len(new)
        else:
            staging.abandon()
            assert _read(out) == before
        assert sorted(p.name for p in Path(tmp).iterdir()) == ["html"]


@given(old=SITES)
def test_a_build_that_changes_nothing_writes_nothing(old) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "html"
        _write(out, old)
        staging = Staging(out)
        for path, data in _read(out).items():
            staging.put(path, data)
            assert not staging.folder.exists()
        assert staging.commit() is False
        assert not staging.folder.exists()


def test_the_first_build_writes_into_a_folder_that_does_not_exist_yet(tmp_path: Path) -> None:
    out = tmp_path / "site" / "html"
    out.parent.mkdir()
    with Staging(out) as staging:
        staging.put(PurePosixPath("sub/page.html"), b"<p>page</p>")
        assert not out.exists()
        assert staging.commit() is True
    assert _read(out) == {PurePosixPath("sub/page.html"): b"<p>page</p>"}


# A disk that is full or read-only, or an output folder that cannot be renamed: a BuildError naming the path,
# no staging folder left, the old site as it was

FAILURES = {
    # (what fails, errno, when, the message)
    "full disk": ((builtins, "open"), errno.ENOSPC, lambda path, *_: ".html.new" in str(path),
                  r"cannot write {tmp}/\.html\.new/index\.html: No space left on device"),
    "read-only parent": ((Path, "mkdir"), errno.EROFS, lambda path, *_: path.name == ".html.new",
                         r"{tmp}/html: cannot be replaced: .*\.html\.new.*Read-only file system"),
    "mount point": ((os, "rename"), errno.EBUSY, lambda source, *_: Path(source).name == "html",
                    r"{tmp}/html: cannot be replaced \(Device or resource busy\).*mount point"),
    "another device": ((os, "rename"), errno.EXDEV, lambda source, *_: Path(source).name == "html",
                       r"{tmp}/html: cannot be replaced \(Invalid cross-device link\).*mount point"),
    "between the renames": ((os, "rename"), errno.EIO, lambda source, *_: Path(source).name == ".html.new",
                            r"{tmp}/html: cannot be replaced \(Input/output error\)"),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_a_disk_or_folder_that_refuses_stops_the_build_naming_it_and_keeps_the_old_site(tmp_path, monkeypatch,
                                                                                         failure) -> None:
    (module, name), code, when, message = FAILURES[failure]
    out = tmp_path / "html"
    _write(out, {PurePosixPath("index.html"): b"<p>old</p>"})
    before = _read(out)
    real = getattr(module, name)

    def refuse(*args, **kwargs):
        if when(*args):
            raise OSError(code, os.strerror(code), str(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, refuse)
    with pytest.raises(BuildError, match=message.format(tmp=tmp_path)):
        with Staging(out) as staging:
            staging.put(PurePosixPath(MARKER), b"ours\n")
            staging.put(PurePosixPath("index.html"), b"<p>new</p>")
            staging.commit()
    assert _read(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["html"]  # no staging folder left
