"""
# Knowing that nothing changed

A build whose inputs and output are exactly as the last complete build left
them has nothing to do, and should find that out before it imports Markdown,
Pygments or KaTeX, or reads a single source.

In: the settings (`Config`). `scan` lists the size, modification time
(nanoseconds) and whether it is a symbolic link (discovery skips linked
sources, so swapping a file for a link is a change) of every file the build
can depend on: the source folders (linked images too), templates, translation
tables, `pyproject.toml`, this generator's own code, the cache, every file
directly in the folders of the tools that render (a compiled module changes on
upgrade, not its `__init__.py`; found without importing them), and the places
an installed math font may be (its appearing or going changes the site's
stylesheet and fonts). Out: a `Stamp`, kept beside the
cache, that also records the output folder's files and the last build's
report, whose warnings a build with nothing to do prints again.

`unchanged` compares a fresh scan with the stamp. Only a file whose size,
modification time and status-change time (`ctime`, which no program can set
back) all match counts as unchanged without being read; one whose times alone
moved (a `touch`, a checkout, an edit that kept the size and set the time
back) is hashed and compared with the hash the stamp holds. The stamp is
taken from a scan made *before* the build reads anything, and a file edited
while the build ran keeps no entry, so an edit is never mistaken for the
state the build saw. A file whose hash the last stamp holds and whose status
has not changed since is not hashed again.

The stamp also holds the hash of each page the build wrote (`pages`, as its
cache record has it): the next build takes a page of the old site whose size
and times are still those the stamp saw as the page it means to write,
without reading it (`known_outputs`). And it holds the cache's salt (the
versions of the tools and the hash of our code, which take `importlib.metadata`
and reading every module of ours to find), with the size and times of the
files it was found from (`tools_fingerprint`): while they stay, so does the salt.

This module and `config` are all a build with nothing to do imports of ours.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from importlib.machinery import PathFinder
from pathlib import Path
from stat import S_ISLNK

from . import math_files
from .config import Config

_FORMAT = 4
_TOOLS = ("markdown", "pygments", "jinja2", "pykatex", "nh3", "yaml", "pylatexenc", "markupsafe", "fontTools", "brotli",
          "_brotli")
_OWN_CODE = Path(__file__).resolve().parent
_SKIP = {"__pycache__", ".git"}
_RACY_NS = 2_000_000_000

# path → [size, modification time, status change time, is a symbolic link], times in ns
Stats = dict[str, list[int]]


@dataclass
class Stamp:
    key: str  # settings and tool versions
    inputs: Stats
    hashes: dict[str, str]  # path → sha256 of the inputs
    outputs: Stats
    report: dict = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)  # path of an output → sha256 of its bytes (pages only)
    salt: list[str] = field(default_factory=list)  # [`tools_fingerprint`, the cache's salt], or none


def stamp_path(config: Config) -> Path | None:
    return config.cache.parent / "last-build.json" if config.cache is not None else None


def settings_key(config: Config) -> str:
    """The settings and the Python that runs the build (the tools' files are among the inputs)."""
    return hashlib.sha256(repr((_FORMAT, sys.version, sys.executable, config)).encode()).hexdigest()


def _tool_places() -> list[str]:
    """Where the rendering tools are installed (found without importing them): a package's folder, or a module's file."""
    found = []
    for name in _TOOLS:
        spec = PathFinder.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            found.extend(spec.submodule_search_locations)
        elif spec is not None and spec.origin:
            found.append(spec.origin)
    return found


def scan(config: Config) -> Stats:
    """Size and times of every file the build may read (the output folder and the stamp excluded)."""
    skip = {str(config.out)}
    found: Stats = {}
    for root in [root.dir for root in config.sources] + [config.templates, config.translations, _OWN_CODE]:
        _walk(str(root), skip, found)
    found.update(tool_files())
    for extra in (config.root / "pyproject.toml", config.cache, *math_files.MATH_FONT_CANDIDATES):
        if extra is not None and str(extra) not in skip:
            _file(str(extra), found)
    stamp = stamp_path(config)
    if stamp is not None:
        found.pop(str(stamp), None)
    return found


def tool_files() -> Stats:
    """Size and times of the rendering tools' files (those directly in each package's folder, or its module)."""
    found: Stats = {}
    for place in _tool_places():
        _walk(str(place), set(), found, deep=False)
    return found


def tools_fingerprint(inputs: Stats, scanned_at: int) -> str | None:
    """
    A digest of the size and times of our code and the tools' files (what
    the cache's salt is found from); None if one changed too recently to trust.
    """
    places = tuple(place if place.endswith(".py") else place + os.sep for place in (str(_OWN_CODE), *_tool_places()))
    files = sorted((path, stat) for path, stat in inputs.items() if path.startswith(places))
    if any(max(stat[1:3]) >= scanned_at - _RACY_NS for _, stat in files):
        return None
    return hashlib.sha256(json.dumps(files).encode()).hexdigest()


def known_salt(last: Stamp | None, fingerprint: str | None) -> str | None:
    """The cache's salt the last build found, if found from the same files."""
    if last is None or fingerprint is None or len(last.salt) != 2 or last.salt[0] != fingerprint:
        return None
    return last.salt[1]


def output_stats(config: Config) -> Stats:
    found: Stats = {}
    _walk(str(config.out), set(), found)
    return found


def unchanged(config: Config, key: str, inputs: Stats, stamp: Stamp | None) -> bool:
    """Whether nothing has changed since the build of `stamp` (`load`)."""
    if stamp is None or stamp.key != key or stamp.inputs.keys() != inputs.keys():
        return None
    for path, stat in inputs.items():
        if stat != stamp.inputs[path]:
            if stat[::3] != stamp.inputs[path][::3] or path not in stamp.hashes or _hash(path) != stamp.hashes[path]:
                return False
    return output_stats(config) == stamp.outputs  # last: an edit is found without walking the site


def record(config: Config, key: str, inputs: Stats, scanned_at: int, report: dict, last: Stamp | None,
           pages: dict[str, str] | None = None, salt: list[str] | None = None) -> None:
    """
    Keep what this (complete) build saw; a file edited since `inputs` were
    scanned (at `scanned_at`, ns) gets no entry. A file changed just before
    the scan could be edited again within the same clock tick without its
    times moving, so its times are not trusted: next time it is hashed.
    """
    path = stamp_path(config)
    if path is None:
        return
    cache = str(config.cache) if config.cache is not None else None
    known = {name: last.hashes[name] for name, stat in last.inputs.items()
             if name in last.hashes and inputs.get(name) == stat} if last is not None else {}
    hashes = {}
    for name, stat in inputs.items():
        if name != cache:
            digest = known.get(name) or _hash(name)
            if digest is not None and file_stat(name) == stat:
                hashes[name] = digest
    racy = scanned_at - _RACY_NS
    kept = {name: stat if max(stat[1:3]) < racy else [stat[0], -1, -1, stat[3]] for name, stat in inputs.items()
            if name in hashes}
    if cache is not None and (written := file_stat(cache)) is not None:
        kept[cache] = written  # as the build left it: any other change to it is noticed
    outputs = output_stats(config)
    stamp = Stamp(key, kept, hashes, outputs, report, {name: digest for name, digest in (pages or {}).items()
                                                        if name in outputs}, salt or [])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(vars(stamp)), encoding="utf-8")  # not `asdict`: it deep-copies every stat
        os.replace(temporary, path)
    except OSError:
        pass  # no stamp: the next build simply does not skip


def known_outputs(stamp: Stamp | None) -> dict[str, tuple[list[int], str]]:
    """
    The pages the last complete build wrote: path → (size and times it saw
    after the build, sha256). A file whose stat is still that has not been
    written since, so it holds those bytes.
    """
    if stamp is None:
        return {}
    return {name: (stamp.outputs[name], digest) for name, digest in stamp.pages.items() if name in stamp.outputs}


def forget(config: Config) -> None:
    path = stamp_path(config)
    if path is not None:
        path.unlink(missing_ok=True)


def load(config: Config) -> Stamp | None:
    path = stamp_path(config)
    if path is None:
        return None
    try:
        stamp = Stamp(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    stats = [*stamp.inputs.values(), *stamp.outputs.values()] if isinstance(stamp.inputs, dict) and \
        isinstance(stamp.outputs, dict) else [None]
    report = stamp.report if isinstance(stamp.report, dict) else {}
    if not (all(isinstance(stat, list) and len(stat) == 4 and all(type(n) is int for n in stat) for stat in stats)
            and isinstance(stamp.hashes, dict) and type(report.get("pages")) is int
            and isinstance(stamp.pages, dict) and all(isinstance(v, str) for v in stamp.pages.values())
            and isinstance(stamp.salt, list) and all(isinstance(part, str) for part in stamp.salt)
            and type(report.get("outputs")) is int
            and all(isinstance(lines := report.get(key), list) and all(isinstance(line, str) for line in lines)
                    for key in ("notes", "problems"))):
        return None  # some other program's file, or another version's
    return stamp


def _walk(folder: str, skip: set[str], found: Stats, deep: bool = True) -> None:
    """
    Every file under `folder` (or `folder` itself, if a file), without
    following symbolic links to folders; only those directly in it unless `deep`.
    """
    try:
        entries = list(os.scandir(folder))
    except NotADirectoryError:
        _file(folder, found)
        return
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir():  # a link to a folder is not followed (as `os.walk`)
                if deep and not entry.is_symlink() and entry.name not in _SKIP and entry.path not in skip:
                    _walk(entry.path, skip, found)
                continue
            stat = entry.stat()
            link = entry.is_symlink()
        except OSError:
            continue
        found[entry.path] = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, int(link)]


def _file(path: str, found: Stats) -> None:
    stat = file_stat(path)
    if stat is not None:
        found[path] = stat


def file_stat(path: str) -> list[int] | None:
    """A file as `scan` and `output_stats` see it; None if there is none."""
    try:
        stat = os.lstat(path)
        link = S_ISLNK(stat.st_mode)
        if link:  # what it points to (one call for the files that are not links)
            stat = os.stat(path)
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, int(link)]


def _hash(path: str) -> str | None:
    try:
        with open(path, "rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None
