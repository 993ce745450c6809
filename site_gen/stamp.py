"""
# Knowing that nothing changed

A build whose inputs and output are exactly as the last complete build left
them has nothing to do, and should find that out before it imports Markdown,
Pygments or KaTeX, or reads a single source.

In: the settings (`Config`). `scan` lists the size and modification time
(nanoseconds) of every file the build can depend on: the source folders
(linked images too), templates, translation tables, `pyproject.toml`, this
generator's own code, the cache, and the installed modules of the tools
that render (found without importing them). Out: a `Stamp`, kept beside the
cache, that also records the output folder's files and the last build's
report, whose warnings a build with nothing to do prints again.

`unchanged` compares a fresh scan with the stamp. Only a file whose size and
time both match counts as unchanged without being read; one whose time alone
moved (a `touch`, a checkout) is hashed and compared with the hash the stamp
holds. The stamp is taken from a scan made *before* the build reads anything,
and a file edited while the build ran keeps no entry, so an edit is never
mistaken for the state the build saw.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from importlib.util import find_spec
from pathlib import Path

from .config import Config

_FORMAT = 1
_TOOLS = ("markdown", "pygments", "jinja2", "pykatex", "nh3", "yaml", "pylatexenc", "markupsafe")
_OWN_CODE = Path(__file__).resolve().parent
_SKIP = {"__pycache__", ".git"}
_RACY_NS = 2_000_000_000

# path → [size, modification time in ns]
Stats = dict[str, list[int]]


@dataclass
class Stamp:
    key: str  # settings and tool versions
    inputs: Stats
    hashes: dict[str, str]  # path → sha256 of the inputs
    outputs: Stats
    report: dict = field(default_factory=dict)


def stamp_path(config: Config) -> Path | None:
    return config.cache.parent / "last-build.json" if config.cache is not None else None


def settings_key(config: Config) -> str:
    """The settings and the Python that runs the build (the tools' files are among the inputs)."""
    return hashlib.sha256(repr((_FORMAT, sys.version, sys.executable, config)).encode()).hexdigest()


def _tool_files() -> list[Path]:
    """Where the rendering tools are installed: an upgrade rewrites these (found without importing them)."""
    found = []
    for name in _TOOLS:
        spec = find_spec(name)
        if spec is not None and spec.origin:
            found.append(Path(spec.origin))
    return found


def scan(config: Config) -> Stats:
    """Size and time of every file the build may read (the output folder and the stamp excluded)."""
    skip = {config.out}
    roots = [root.dir for root in config.sources] + [config.templates, config.translations, _OWN_CODE]
    found = _stats(roots, skip)
    for extra in (config.root / "pyproject.toml", config.cache, *_tool_files()):
        if extra is not None:
            found.update(_stats([extra], skip))
    stamp = stamp_path(config)
    if stamp is not None:
        found.pop(str(stamp), None)
    return found


def output_stats(config: Config) -> Stats:
    return _stats([config.out], set())


def unchanged(config: Config, key: str, inputs: Stats) -> Stamp | None:
    """The last build's stamp if nothing has changed since, else None."""
    stamp = load(config)
    if stamp is None or stamp.key != key or set(stamp.inputs) != set(inputs):
        return None
    if output_stats(config) != stamp.outputs:
        return None
    for path, stat in inputs.items():
        if stat != stamp.inputs[path]:
            if stat[0] != stamp.inputs[path][0] or path not in stamp.hashes or _hash(path) != stamp.hashes[path]:
                return None
    return stamp


def record(config: Config, key: str, inputs: Stats, scanned_at: int, report: dict) -> None:
    """
    Keep what this (complete) build saw; a file edited since `inputs` were
    scanned (at `scanned_at`, ns) gets no entry. A file modified just before
    the scan could be edited again within the same clock tick without its
    time moving, so its time is not trusted: next time it is hashed.
    """
    path = stamp_path(config)
    if path is None:
        return
    hashes = {}
    for name, stat in inputs.items():
        digest = _hash(name)
        if digest is not None and _stat(Path(name)) == stat:
            hashes[name] = digest
    now = scan(config)  # the cache has been written since the first scan
    racy = scanned_at - _RACY_NS
    kept = {name: stat if stat[1] < racy else [stat[0], -1] for name, stat in inputs.items() if name in hashes}
    if config.cache is not None and str(config.cache) in now:
        kept[str(config.cache)] = now[str(config.cache)]
        hashes.pop(str(config.cache), None)
    stamp = Stamp(key, kept, hashes, output_stats(config), report)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(stamp)), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass  # no stamp: the next build simply does not skip


def forget(config: Config) -> None:
    path = stamp_path(config)
    if path is not None:
        path.unlink(missing_ok=True)


def load(config: Config) -> Stamp | None:
    path = stamp_path(config)
    if path is None:
        return None
    try:
        return Stamp(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _stats(roots: list[Path], skip: set[Path]) -> Stats:
    found: Stats = {}
    for root in roots:
        if root.is_file():
            stat = _stat(root)
            if stat is not None:
                found[str(root)] = stat
            continue
        for folder, folders, files in os.walk(root):
            here = Path(folder)
            folders[:] = sorted(f for f in folders if f not in _SKIP and here / f not in skip)
            for name in files:
                stat = _stat(here / name)
                if stat is not None:
                    found[str(here / name)] = stat
    return found


def _stat(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _hash(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None
