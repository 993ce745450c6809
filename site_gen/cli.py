"""
# The command line

`site-gen build [SOURCE_DIR] [--out DIR] [--strict]` builds a site; settings
come from `[tool.site_gen]` in `pyproject.toml` of the current folder (or
`--root`). Problems in the inputs are printed as `path:line: message`; they
fail the command only with `--strict`. Exit codes: 0 success, 1 problems under
`--strict`, 2 a build that could not run (bad settings, output folder in use).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .build import BuildError, build
from .config import ConfigError, load


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="site-gen", description="Annotated Python → side-by-side HTML site.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    command = commands.add_parser("build", help="build the site")
    command.add_argument("source", nargs="?", type=Path, help="folder of Python files (default: from pyproject.toml)")
    command.add_argument("--out", type=Path, help="output folder (default: html/)")
    command.add_argument("--root", type=Path, default=Path.cwd(), help="project folder with pyproject.toml")
    command.add_argument("--strict", action="store_true", help="exit non-zero on any problem in the inputs")
    command.set_defaults(run=_build)
    return parser


def _build(args: argparse.Namespace) -> int:
    try:
        config = load(args.root, args.source, args.out)
        if args.source is not None and not config.sources[0].dir.is_dir():
            raise ConfigError(f"{args.source}: not a folder")
        report = build(config)
    except (ConfigError, BuildError) as error:
        print(f"site-gen: {error}", file=sys.stderr)
        return 2
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    print(
        f"built {report.pages} pages, {report.formulas} formulas, "
        f"{len(report.problems)} problems in {report.seconds:.2f}s → {config.out}"
    )
    return 1 if args.strict and report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
