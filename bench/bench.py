"""
# Benchmark: speed and memory, against pycco

`make bench` runs this script. In one run it prints:

* on a generated formula-heavy corpus (see [corpus](corpus.py)) and on the
  standard library (a bare SOURCE_DIR, one language): the cold build time of
  `site-gen build --no-cache`, of `site-gen build` with a fresh cache, and of
  `pycco` (a Docco port that renders no math), each the median of several
  runs taken in turn (pycco, ours, ours, pycco, …), so that a machine that
  slows down mid-run slows all three alike; the ratios to pycco; each
  process's peak memory (the largest resident set of it and its workers, from
  `wait4`); and the size of the cache the build left;
* on this site (a copy of the project's inputs, every language): the cold
  build, then the no-op and one-file-edit builds as `make html` runs them, the
  warm builder left by the cold build taking them (see `site_gen/warm.py`),
  and again in processes of their own (`SITE_GEN_WARM=0`). A warm build's
  CPU time is the caller's and the fork's that built (the builder's reaped
  children, from `/proc`); its peak memory is not measured.

Every build is a fresh process running this checkout's `site_gen` (the
comparisons with pycco without a warm builder: each a process of its own,
as pycco's).

    python bench/bench.py [--repeat 3]
    python bench/bench.py --quick      # 1 run, small corpora: checks that it all works

Wall times on a machine shared with other work are noisy; CPU times (user +
system, workers included) less so.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import generate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SITE_INPUTS = ["labml_nn", "site_gen", "templates", "translations", "pyproject.toml"]
SKIP = {"test", "tests", "idlelib", "lib2to3", "site-packages", "__pycache__"}
# The one-file edit: a changed comment, so the page's prose and code both change
EDITED = Path("labml_nn/optimizers/adam.py")
EDIT_MARK = "# $t \\leftarrow t + 1$"


@dataclass
class Runs:
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    peak_mb: list[float | None] = field(default_factory=list)

    def add(self, seconds: float, cpu: float, peak_mb: float | None) -> None:
        self.seconds.append(seconds)
        self.cpu.append(cpu)
        self.peak_mb.append(peak_mb)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def row(self, name: str, reference: Runs | None = None) -> str:
        cpu = statistics.median(self.cpu)
        ratio = (f"  {self.median / reference.median:5.2f}x pycco (CPU {cpu / statistics.median(reference.cpu):4.2f}x)"
                 if reference else "")
        spread = f"{min(self.seconds):.2f}-{max(self.seconds):.2f}"
        peaks = [peak for peak in self.peak_mb if peak is not None]
        peak = f"peak {max(peaks):4.0f} MB" if peaks else "peak    –   "
        return f"  {name:<26} {self.median:7.2f} s (runs {spread:>11})  CPU {cpu:6.2f} s  {peak}{ratio}"


COLD = {"SITE_GEN_WARM": "0"}  # every build a process of its own
WARM = {"SITE_GEN_WARM": "1"}  # as users run it: a build leaves a warm builder, which takes the next


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, float | None]:
    """
    Wall seconds, CPU seconds (with its workers') and peak resident memory
    (MB, the largest of the process and its workers) of one command. With a
    warm builder (`builder`: its pid), the CPU of the fork that built is
    added, and the peak is not known.
    """
    env = _environment(env or COLD)
    builder = _warm_builder(cwd, env) if env.get("SITE_GEN_WARM") == "1" else None
    builder_cpu = _children_cpu(builder)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):  # 1: pycco's exit on a file it cannot read; ours only with --strict
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{errors.decode(errors='replace')[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    if builder is None:
        return seconds, cpu, usage.ru_maxrss / 1024
    return seconds, cpu + _children_cpu(builder) - builder_cpu, None


def _environment(settings: dict[str, str]) -> dict[str, str]:
    """A build's environment: this checkout's code, bytecode written once and reused as users have it (some
    sandboxes turn that off), and `settings`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **settings}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _warm_builder(cwd: Path, env: dict[str, str]) -> int | None:
    """The pid of the warm builder a `site-gen` run in `cwd` with `env` would hand its build to, if one is there."""
    lock = subprocess.run([sys.executable, "-c", "from site_gen import warm; print(warm._place('lock'))"],
                          cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()
    try:
        text = Path(lock).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() and Path(f"/proc/{text}").exists() else None


def _children_cpu(pid: int | None) -> float:
    """CPU seconds of the children `pid` has reaped (`/proc/PID/stat`: cutime and cstime, in clock ticks)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def site_gen(*args: str) -> list[str]:
    return [sys.executable, "-m", "site_gen", "build", *args]


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def stdlib_corpus(into: Path, limit: int | None = None) -> Path:
    """Copy the standard library's sources into one folder, so both tools see exactly the same files."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    paths = [p for p in sorted(stdlib.rglob("*.py")) if not SKIP & set(p.relative_to(stdlib).parts)]
    for path in paths[:limit]:
        target = into / path.relative_to(stdlib)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return into


def against_pycco(name: str, folder: Path, repeat: int, scratch: Path) -> None:
    """Cold builds of `folder` by pycco and by us (no cache; a fresh cache), taken in turn."""
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.py"))
    lines = sum(len((folder / f).read_bytes().splitlines()) for f in files)
    project = scratch / f"project-{folder.name}"  # no pyproject.toml: one language, default settings
    project.mkdir()
    out = scratch / f"out-{folder.name}"
    cache = project / ".site_gen_cache"
    pycco, no_cache, fresh_cache = Runs(), Runs(), Runs()
    for _ in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        pycco.add(*run([str(BIN / "pycco"), "-p", "-d", str(out), *files], folder))
        shutil.rmtree(out, ignore_errors=True)
        no_cache.add(*run(site_gen(str(folder), "--out", str(out), "--root", str(project), "--no-cache"), project, COLD))
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        fresh_cache.add(*run(site_gen(str(folder), "--out", str(out), "--root", str(project)), project, COLD))
    print(f"{name}: {len(files)} files, {lines:,} lines; median of {repeat}")
    print(pycco.row("pycco 0.6.0"))
    print(no_cache.row("site-gen --no-cache", pycco))
    print(fresh_cache.row("site-gen, fresh cache", pycco))
    print(f"  cache after the build   {folder_size(cache) / 2**20:7.1f} MB;  site {folder_size(out) / 2**20:.1f} MB")
    shutil.rmtree(out, ignore_errors=True)


def this_site(repeat: int, scratch: Path) -> None:
    """Cold, no-op and one-file-edit builds of a copy of this project, every language."""
    project = scratch / "site"
    project.mkdir()
    for name in SITE_INPUTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, project / name)
    build = site_gen("--root", str(project))
    edited = project / EDITED
    original = edited.read_text()
    cold, no_op, edit, cold_no_op, cold_edit = Runs(), Runs(), Runs(), Runs(), Runs()
    for attempt in range(repeat):
        shutil.rmtree(project / "html", ignore_errors=True)
        shutil.rmtree(project / ".site_gen_cache", ignore_errors=True)
        _stop_builder(project)
        cold.add(*run(build, project, WARM))  # a first build: no warm builder yet; it leaves one
        for runs, env, mark in ((no_op, WARM, "warm"), (cold_no_op, COLD, "cold")):
            if env is WARM:
                _await_builder(project)
            runs.add(*run(build, project, env))
            edited.write_text(original.replace(EDIT_MARK, f"{EDIT_MARK} (edit {attempt}, {mark})"))
            (edit if env is WARM else cold_edit).add(*run(build, project, env))
            edited.write_text(original)
            run(build, project, env)
    pages = sum(1 for _ in (project / "html").rglob("*.html"))
    print(f"this site: {pages} HTML files in every language; median of {repeat}")
    print(cold.row("cold, fresh cache"))
    print(no_op.row("no-op"))
    print(edit.row("one-file edit"))
    print(cold_no_op.row("no-op, cold process"))
    print(cold_edit.row("one-file edit, cold process"))
    print(f"  cache after the build   {folder_size(project / '.site_gen_cache') / 2**20:7.1f} MB")
    _stop_builder(project)


def _stop_builder(project: Path) -> None:
    """End the warm builder of this project's builds, if there is one, and wait until it has gone."""
    pid = _warm_builder(project, _environment(WARM))
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    while Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]:
        time.sleep(0.01)


def _await_builder(project: Path) -> None:
    """Wait for the warm builder the last build started to listen (it imports for a fraction of a second)."""
    env = _environment(WARM)
    ends = time.monotonic() + 60
    while _warm_builder(project, env) is None and time.monotonic() < ends:
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].strip("# \n"))
    parser.add_argument("--repeat", type=int, default=3, help="runs of each build (default 3)")
    parser.add_argument("--quick", action="store_true", help="1 run on small corpora, to check the script works")
    parser.add_argument("--only", choices=["formulas", "stdlib", "site"], action="append",
                        help="run only this part (repeatable; default: all three)")
    args = parser.parse_args(argv)
    parts = set(args.only or ["formulas", "stdlib", "site"])
    repeat = 1 if args.quick else args.repeat
    print(f"{os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}, "
          f"Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="site-gen-bench-") as tmp:
        scratch = Path(tmp)
        if "formulas" in parts:
            corpus = scratch / "formulas"
            stats = generate(corpus, files=20 if args.quick else 220)
            print(f"formula corpus: {stats.distinct_formulas:,} distinct formulas used {stats.formula_uses:,} times")
            against_pycco("formula corpus", corpus, repeat, scratch)
        if "stdlib" in parts:
            against_pycco("stdlib", stdlib_corpus(scratch / "stdlib", limit=12 if args.quick else None), repeat, scratch)
        if "site" in parts:
            this_site(repeat, scratch)


if __name__ == "__main__":
    main()
