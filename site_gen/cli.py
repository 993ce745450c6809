"""
# The command line

* `site-gen build [SOURCE_DIR] [--out DIR] [--strict] [--jobs N] [--no-cache]`
  builds the site;
* `site-gen serve [--port N]` serves it on 127.0.0.1 and rebuilds and reloads
  on every change;
* `site-gen translate update [--lang L] [--prune]` brings the translation
  tables in line with the English, keeping every translation;
* `site-gen translate status [--verbose]` shows how much of each page is
  translated, to translate and to review (and lists them);
* `site-gen translate check` validates every table;
* `site-gen translate export --format po --out DIR` and
  `site-gen translate import DIR|FILE` exchange the tables with PO tools;
* `site-gen translate review` accepts, edits or skips each unit awaiting review.

Settings come from `[tool.site_gen]` in `pyproject.toml` of the current folder
(or `--root`); `build SOURCE_DIR` takes them from the `pyproject.toml` at or
above `SOURCE_DIR`, never from an unrelated project the command runs in. Problems are printed as `path:line: message` or `path:line:col: message`. Exit codes: 0
success; 1 problems (for `build`, only with `--strict`); 2 a command that could
not run (bad settings, output folder in use, a table it refuses to overwrite).
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from . import stamp
from .config import Config, ConfigError, load

# A build with nothing to do imports only `stamp` and `config` of ours (not even `typing`): the
# translation commands import what they need when they run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .document import Document
    from .model import Problem


def main(argv: list[str] | None = None) -> int:
    args = _parser(sys.argv[1:] if argv is None else argv).parse_args(argv)
    try:
        return args.run(args)
    except (ConfigError, _build_error()) as error:
        print(f"site-gen: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: the site is as it was before the build (pages are written all at once)
        print("site-gen: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly
        sys.stderr.close()
        return 0
    except Exception:  # a bug of ours, not a problem in the inputs: exit 2, never --strict's 1
        import traceback

        traceback.print_exc()
        print("site-gen: internal error (a bug in site-gen, please report it with the lines above)", file=sys.stderr)
        return 2


def _build_error() -> type[Exception]:
    """Imported only when an error is on its way: a build with nothing to do never loads the builder."""
    from .build import BuildError

    return BuildError


def _parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """
    The command line's parser; given `argv` that starts with a command, with that
    command alone (each command's arguments cost ~0.2 ms, most of it argparse
    looking for translations of its messages: a build need not pay for all of
    them). Anything else (`-h build`, a misspelt command) gets every command.
    """
    parser = argparse.ArgumentParser(prog="site-gen", description="Annotated Python → side-by-side HTML site.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    named = argv[0] if argv else None
    for name, add in _COMMANDS.items():
        if named not in _COMMANDS or named == name:
            add(commands)
    return parser


def _add_build(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("build", help="build the site")
    command.add_argument("source", nargs="?", type=Path, help="folder of Python files (default: from pyproject.toml)")
    command.add_argument("--out", type=Path, help="output folder (default: html/)")
    command.add_argument("--strict", action="store_true", help="exit non-zero on any problem in the inputs")
    command.add_argument("--jobs", "-j", type=_positive, default=None, help="parallel workers (default: all cores)")
    command.add_argument("--no-cache", action="store_true", help="render everything, ignoring the cache")
    _root_option(command, "the one at or above SOURCE_DIR; without SOURCE_DIR, the current folder")
    command.set_defaults(run=_build)


def _add_serve(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="build, serve on 127.0.0.1, rebuild and reload on change")
    serve.add_argument("--port", type=int, default=8000)
    _root_option(serve)
    serve.set_defaults(run=_serve)


def _add_translate(commands: argparse._SubParsersAction) -> None:
    translations = commands.add_parser("translate", help="work with translation tables").add_subparsers(
        required=True, metavar="ACTION")
    update = translations.add_parser("update", help="add new English units, keep every translation")
    update.add_argument("--lang", action="append", help="only this language (repeatable)")
    update.add_argument("--prune", action="store_true", help="delete translations whose English is gone")
    _root_option(update)
    update.set_defaults(run=_update)
    status = translations.add_parser("status", help="translated, untranslated and to-review units per page")
    status.add_argument("--lang", action="append")
    status.add_argument("--verbose", "-v", action="store_true", help="list the units to translate and to review")
    _root_option(status)
    status.set_defaults(run=_status)
    check = translations.add_parser("check", help="validate every table; non-zero exit on any problem")
    check.add_argument("--lang", action="append")
    _root_option(check)
    check.set_defaults(run=_check)
    export = translations.add_parser("export", help="write the tables as PO files for translation tools")
    export.add_argument("--format", choices=["po"], default="po")
    export.add_argument("--lang", action="append")
    export.add_argument("--out", type=Path, required=True, help="folder for <lang>/<table path>.po")
    _root_option(export)
    export.set_defaults(run=_export)
    apply = translations.add_parser("import", help="apply PO files edited in a translation tool to the tables")
    apply.add_argument("path", type=Path, help="a PO file, or a folder searched for them")
    _root_option(apply)
    apply.set_defaults(run=_import)
    review = translations.add_parser("review", help="accept, edit or skip each translation awaiting review")
    review.add_argument("--lang", action="append")
    _root_option(review)
    review.set_defaults(run=_review)


_COMMANDS = {"build": _add_build, "serve": _add_serve, "translate": _add_translate}


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _root_option(command: argparse.ArgumentParser, default: str = "the current folder") -> None:
    command.add_argument("--root", type=Path, default=None, help=f"project folder with pyproject.toml (default: {default})")


def _build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    root = args.root if args.root is not None or args.source is not None else Path.cwd()
    config = load(root, args.source, args.out)
    if args.source is not None and not config.sources[0].dir.is_dir():
        raise ConfigError(f"{args.source}: not a folder")
    use_cache = not args.no_cache
    if use_cache:
        scanned_at = time.time_ns()
        key, inputs, last = stamp.settings_key(config), stamp.scan(config), stamp.load(config)
        if stamp.unchanged(config, key, inputs, last):
            problems = last.report["problems"]  # as printed
            _print_report(last.report["notes"], problems)
            print(f"nothing changed since the last build: {plural(last.report['pages'], 'page')} "
                  f"({plural(last.report['outputs'], 'file')}), {plural(len(problems), 'warning')} "
                  f"in {time.perf_counter() - started:.2f}s → {config.out}")
            return 1 if args.strict and problems else 0
    from .build import build

    with _progress_bar() as progress:
        if use_cache:
            fingerprint = stamp.tools_fingerprint(inputs, scanned_at)
            report = build(config, jobs=args.jobs, progress=progress, known_outputs=stamp.known_outputs(last),
                           salt=stamp.known_salt(last, fingerprint))
        else:
            report = build(config, jobs=args.jobs, use_cache=False, progress=progress)
    if use_cache:
        stamp.record(config, key, inputs, scanned_at, dict(
            pages=report.pages, outputs=report.outputs, notes=report.notes, problems=[str(p) for p in report.problems]),
            last, report.page_hashes, [fingerprint, report.salt] if fingerprint and report.salt else None)
    _print_report(report.notes, report.problems)
    print(
        f"built {plural(report.pages, 'page')} ({plural(report.outputs, 'file')}, {report.rendered} rendered, "
        f"{report.cache_hits} from cache), {plural(report.formulas, 'new formula')}, "
        f"{plural(len(report.problems), 'warning')} in {report.seconds:.2f}s → {config.out}"
    )
    return 1 if args.strict and report.problems else 0


def _print_report(notes: list[str], problems: list[Problem] | list[str]) -> None:
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    for problem in problems:
        print(problem, file=sys.stderr)


def _serve(args: argparse.Namespace) -> int:
    from .serve import DevServer

    try:
        root = args.root or Path.cwd()
        server = DevServer(lambda: load(root), port=args.port)
    except OSError as error:
        raise ConfigError(f"cannot listen on 127.0.0.1:{args.port}: {error.strerror or error}") from None
    server.run()
    return 0


@contextmanager
def _progress_bar():
    """A bar with counts on a terminal; nothing in CI logs or pipes."""
    if sys.stderr is None or not sys.stderr.isatty():  # None: started without it (`2>&-`)
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(total=0, unit="page", desc="rendering", leave=False, file=sys.stderr)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


# ## Translation tables
#
# The commands below read the sources as the build does, so a unit is exactly
# what the build will look up.

def _documents(config: Config) -> list[Document]:
    from .document import read
    from .files import discover

    problems: list[Problem] = []
    documents = [d for s in discover(config) if s.translate and (d := read(config.root, s, problems))]
    for problem in problems:
        print(problem, file=sys.stderr)
    return documents


def _units(document: Document) -> list[str]:
    from . import translate

    return translate.units_of(document)


def _ui_units(config: Config) -> list[str]:
    from . import translate
    from .page import Templates

    strings = Templates(config.templates).interface_strings() + list(translate.CODE_STRINGS) + [config.title]
    return list(dict.fromkeys(strings))


def _languages(config: Config, chosen: list[str] | None) -> list[str]:
    others = config.languages[1:]
    unknown = set(chosen or []) - set(others)
    if unknown:
        raise ConfigError(f"not a translated language of this site: {', '.join(sorted(unknown))} (have {', '.join(others)})")
    return chosen or others


def _tables(config: Config, lang: str, documents: list[Document]) -> list[tuple[str, Path, list[str]]]:
    """(name, table path, units) of every page of a language, and of its interface."""
    from . import translate

    rows = [(str(d.source.rel), translate.table_path(config.translations, lang, d.source.table), _units(d))
            for d in documents]
    rows.append(("(interface)", config.translations / lang / translate.UI_TABLE, _ui_units(config)))
    return rows


def _memory(rows: list[tuple[str, Path, list[str]]]) -> dict[str, str]:
    from . import translate

    tables = []
    for _, path, _ in rows:
        try:
            tables.append(translate.load_table(path))
        except translate.TableError:
            continue  # reported when that table itself is updated
    return translate.translation_memory(tables)


def _orphans(config: Config, lang: str, rows: list[tuple[str, Path, list[str]]]) -> tuple[dict[str, str], dict[str, Path]]:
    """
    The confirmed translations of the tables with no source (a renamed or
    deleted page), English → translation, and English → the table it is in.
    """
    from . import translate

    listed = {path for _, path, _ in rows}
    moved: dict[str, str] = {}
    found: dict[str, Path] = {}
    folder = config.translations / lang
    for path in sorted(folder.rglob("*.json")) if folder.is_dir() else []:
        if path in listed or path.name.endswith((".obsolete.json", ".review.json")):
            continue
        try:
            table = translate.load_table(path)
        except translate.TableError:
            continue  # `check` reports it
        for english, translation in translate.translation_memory([table]).items():
            if english not in moved:
                moved[english], found[english] = translation, path
    return moved, found


def _update(args: argparse.Namespace) -> int:
    from collections import Counter

    from . import translate

    config = load(args.root or Path.cwd())
    documents = _documents(config)
    failed = False
    for lang in _languages(config, args.lang):
        rows = _tables(config, lang, documents)
        memory = _memory(rows)
        moved, orphans = _orphans(config, lang, rows)
        for _, path, units in rows:
            try:
                result = translate.update_table(path, units, prune=args.prune, memory=memory, moved=moved)
            except translate.TableError as error:
                print(f"{error} (not updated; fix it first)", file=sys.stderr)
                failed = True
                continue
            if result.changed:
                print(f"{path}: {result.added} new, {result.review} to review, {result.restored} restored, "
                      f"{result.obsolete} moved to obsolete")
            for orphan, count in Counter(orphans[english] for english in result.drawn).items():
                print(f"{path}: {plural(count, 'translation')} drawn from {orphan}, whose source is gone "
                      "(renamed?); delete that table once nothing more is needed from it")
    return 2 if failed else 0


def _status(args: argparse.Namespace) -> int:
    from . import translate

    config = load(args.root or Path.cwd())
    documents = _documents(config)
    for lang in _languages(config, args.lang):
        print(f"\n{lang}")
        print(f"  {'page':<44} {'done':>5} {'todo':>5} {'review':>6} {'coverage':>9}")
        totals = [0, 0, 0]
        for name, path, units in _tables(config, lang, documents):
            try:
                table = translate.load_table(path)
            except translate.TableError as error:
                print(f"  {name:<44} {error}")
                continue
            review = [u for u in units if table.stale(u)]
            todo = [u for u in units if not table.get(u) and not table.stale(u)]
            done = len(units) - len(todo) - len(review)
            totals = [totals[0] + done, totals[1] + len(todo), totals[2] + len(review)]
            print(f"  {name:<44} {done:>5} {len(todo):>5} {len(review):>6} {_percent(done, len(units)):>9}")
            if args.verbose:
                for label, listed in (("translate", todo), ("review", review)):
                    for unit in listed:
                        print(f"      {label:<9} {translate.excerpt(unit, 70)}")
        print(f"  {'total':<44} {totals[0]:>5} {totals[1]:>5} {totals[2]:>6} {_percent(totals[0], sum(totals)):>9}")
    return 0


def plural(count: int, noun: str) -> str:
    """`1 warning`, `2 warnings`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _percent(done: int, total: int) -> str:
    return f"{100 * done / total:.1f}%" if total else "100.0%"


def _check(args: argparse.Namespace) -> int:
    from . import translate
    from .prose import inventory, raw_html_outside_allowlist

    config = load(args.root or Path.cwd())
    pages = {d.source.table: _units(d) for d in _documents(config)}
    problems: list[Problem] = []
    for lang in _languages(config, args.lang):
        problems += translate.audit(config.translations, lang, pages, inventory, raw_html_outside_allowlist).problems
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"checked translations: {plural(len(problems), 'problem')}")
    return 1 if problems else 0


# ## PO exchange and review

def _export(args: argparse.Namespace) -> int:
    from . import translate
    from .po import POError, export_table, write_po

    config = load(args.root or Path.cwd())
    documents = _documents(config)
    by_table = {d.source.table: d for d in documents}
    written, failed = 0, False
    for lang in _languages(config, args.lang):
        for _, path, _ in _tables(config, lang, documents):
            try:
                table = translate.load_table(path)
            except translate.TableError as error:
                print(f"{error} (not exported)", file=sys.stderr)
                failed = True
                continue
            if not table.entries:
                continue
            rel = PurePosixPath(path.relative_to(config.translations / lang).as_posix())
            document = by_table.get(rel)
            try:
                po = export_table(table, lang, rel, config.title, _locations(document) if document else {})
            except POError as error:
                print(f"{error} (not exported)", file=sys.stderr)
                failed = True
                continue
            write_po(po, args.out / lang / rel.with_suffix(".po"))
            written += 1
    print(f"exported {plural(written, 'PO file')} → {args.out}")
    return 1 if failed else 0


def _locations(document: Document) -> dict[str, list[tuple[str, int]]]:
    """Each unit's appearances in its source, as `#:` references: (file, line of its first words)."""
    from . import translate

    found: dict[str, list[tuple[str, int]]] = {}
    path = str(document.source.path)

    def first_line(unit: str, candidates: list[int], fallback: int) -> int:
        needle = next((line.strip() for line in unit.split("\n") if line.strip()), "")
        return next((n for n in candidates if needle and document.holds(n, needle)), fallback)

    everywhere = list(range(1, len(document.lines) + 1))
    for unit in (document.title, document.summary):
        if unit:
            found.setdefault(unit, []).append((path, first_line(unit, everywhere, 1)))
    for section in document.sections:
        for unit in translate.split_units(section.doc):
            found.setdefault(unit, []).append((path, first_line(unit, sorted(section.doc_lines), section.doc_line)))
    if document.source.kind == "python":
        for text, line in translate.marked_strings(document.text):
            found.setdefault(text, []).append((path, line))
    return found


def _import(args: argparse.Namespace) -> int:
    from . import translate
    from .po import POError, import_po

    config = load(args.root or Path.cwd())
    if not args.path.exists():
        raise ConfigError(f"{args.path}: no such file or folder")
    files = sorted(args.path.rglob("*.po")) if args.path.is_dir() else [args.path]
    if not files:
        raise ConfigError(f"{args.path}: no PO files")
    failed = False
    for file in files:
        try:
            result = import_po(file, config.translations, config.languages[1:])
        except POError as error:
            print(error, file=sys.stderr)
            failed = True
            continue
        for english in result.unknown:
            print(f"{file}: not in {result.table} (its English changed since the export?): "
                  f"{translate.excerpt(english)}", file=sys.stderr)
        for english in result.kept_aside:
            print(f"{file}: the English of this edited entry is no longer on the page, so its translation was "
                  f"kept in {translate.sidecar(result.table, 'obsolete')}; copy it to the new English there: "
                  f"{translate.excerpt(english)}", file=sys.stderr)
        failed |= bool(result.kept_aside)
        if result.written:
            print(f"{result.table}: {plural(result.changed, 'translation')} changed, {result.confirmed} confirmed, "
                  f"{result.to_review} sent to review")
    return 1 if failed else 0


def _review(args: argparse.Namespace) -> int:
    """Each unit awaiting review: the English word diff beside the translation; accept, edit or skip."""
    from . import translate
    from .review import review_table

    config = load(args.root or Path.cwd())
    documents = _documents(config)
    for lang in _languages(config, args.lang):
        for name, path, units in _tables(config, lang, documents):
            try:
                if review_table(path, units, f"{lang} {name}", input, print) == "quit":
                    return 0
            except translate.TableError as error:
                print(f"{error} (not reviewed; fix it first)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    from .command import run

    run()
