"""
# Benchmark: site-gen against pycco

Builds the same folders of Python with `pycco` (a Docco port that renders no
math) and with `site-gen build`, each in a fresh process and a fresh output
folder, and prints wall time, the ratio, and each process's peak memory.

    python bench/build_vs_pycco.py                 # labml_nn and a stdlib corpus
    python bench/build_vs_pycco.py --repeat 3 FOLDER ...

The standard-library corpus is every `.py` file of the running Python's
standard library outside `test/`, `idlelib/`, `lib2to3/` and `site-packages/`
(several hundred files).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SKIP = {"test", "tests", "idlelib", "lib2to3", "site-packages", "__pycache__"}


def stdlib_corpus(into: Path) -> Path:
    """Copy the standard-library sources into one folder, so both tools see exactly the same files."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(stdlib.rglob("*.py")):
        rel = path.relative_to(stdlib)
        if SKIP & set(rel.parts):
            continue
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return into


def run(command: list[str], cwd: Path) -> tuple[float, float]:
    """Seconds and peak resident memory (MB) of one command."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed: {' '.join(command)}")
    return seconds, usage.ru_maxrss / 1024


def measure(folder: Path, repeat: int, scratch: Path) -> None:
    files = sorted(str(p) for p in folder.rglob("*.py"))
    lines = sum(len(Path(f).read_bytes().splitlines()) for f in files)
    results = {}
    for tool in ("pycco", "site-gen"):
        times, memory = [], []
        for attempt in range(repeat):
            out = scratch / f"{tool}-{folder.name}-{attempt}"
            if tool == "pycco":
                command = [str(BIN / "pycco"), "-p", "-d", str(out), *files]
            else:
                command = [str(BIN / "site-gen"), "build", str(folder), "--out", str(out), "--root", str(scratch), "--no-cache"]
            seconds, peak = run(command, scratch)
            times.append(seconds)
            memory.append(peak)
            shutil.rmtree(out, ignore_errors=True)
        results[tool] = (statistics.median(times), max(memory))
    (pycco_s, pycco_mb), (ours_s, ours_mb) = results["pycco"], results["site-gen"]
    print(f"{folder.name}: {len(files)} files, {lines:,} lines")
    print(f"  pycco     {pycco_s:7.2f} s  peak {pycco_mb:6.0f} MB")
    print(f"  site-gen  {ours_s:7.2f} s  peak {ours_mb:6.0f} MB")
    print(f"  ratio site-gen / pycco: {ours_s / pycco_s:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        folders = args.folders or [ROOT / "labml_nn", stdlib_corpus(scratch / "stdlib")]
        for folder in folders:
            measure(folder.resolve(), args.repeat, scratch)


if __name__ == "__main__":
    main()
