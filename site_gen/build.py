"""
# Building the site

`build(config)` is the table of contents of the generator, one call per
stage; each takes records and returns new ones, and none reaches back into
another's objects:

1. **discover** ([files](files.py)): the sources (`Source`) and every file a
   link may reach (`FileMap`);
2. **read** ([read](read.py)): each source split into sections, with its
   front matter and title (`Document`), its code highlighted (`Reading`),
   once whatever the languages;
3. **plan** ([plan](plan.py)): one `Task` per page and listing per language,
   a record of everything it is made from; its hash is its cache key;
4. **produce** ([produce](produce.py)): every page and listing, from the
   cache or rendered ([render](render.py): pure, no disk reads; links resolve
   against the file map), the default language first, whose heading ids the
   translations carry;
5. **assemble** ([assemble](assemble.py)): search indexes, sitemap, linked
   files and static assets, and the broken fragments;
6. **write** ([write](write.py)): each file staged beside the old site as
   soon as it is made (so the site is never held in memory whole), then the
   whole site swapped in at once.

Problems in the input (a LaTeX error, a broken link, a file that is not UTF-8)
never stop the build: they are collected as `path:line: message` and every good
page is still written.

A build with nothing to render imports neither Markdown, Pygments, KaTeX nor
Jinja: rendering lives in `render`, loaded only when a page must be rendered.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from functools import cache as once
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from . import assets as site_assets
from . import translate
from .assemble import assemble
from .cache import Cache, DamagedEntry
from .config import Config
from .definitions import Definitions, collect as collect_definitions
from .document import read
from .files import FileMap, Files, discover
from .model import Problem
from .plan import Plan, plan
from .produce import Progress, known_formulas, produce
from .prose import inventory, raw_html_outside_allowlist
from .read import Reading, read_all
from .math import formula_texts
from .readable_math import remember as remember_texts
from .write import BuildError, Staging, check_out, lock

if TYPE_CHECKING:
    from .render import Site


@dataclass
class Report:
    pages: int = 0
    outputs: int = 0
    formulas: int = 0  # formulas sent to KaTeX (not found in the cache)
    rendered: int = 0  # pages and listings rendered (not found in the cache)
    cache_hits: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    page_hashes: dict[str, str] = field(default_factory=dict)  # path of each page written → sha256 of its bytes
    salt: str = ""  # the cache's: the versions of the tools and of our code


def build(config: Config, jobs: int | None = None, use_cache: bool = True,
          progress: Progress | None = None, known_outputs: dict[str, tuple[list[int], str]] | None = None,
          salt: str | None = None) -> Report:
    """
    Build the whole site into `config.out`. `known_outputs`: the pages the
    last build wrote, as its stamp saw them (`stamp.known_outputs`); `salt`:
    the cache's, if known (`stamp.known_salt`).
    """
    started = time.perf_counter()
    report = Report()
    jobs = jobs or os.cpu_count() or 1
    check_out(config)
    with lock(config.out):
        cache = Cache(config.cache if use_cache else None, report.notes, salt)
        complete = False
        try:
            files = Files(config, discover(config), FileMap.gather(config))
            report.problems += _empty_roots(config, files)
            known = known_formulas(cache, config.equation_numbers)
            # Their words, by the LaTeX the search index reads: before any source is read (a docstring's first line
            # may hold a formula) or page rendered, here and in the workers forked later, so pylatexenc is seldom needed
            remember_texts(formula_texts(known))
            reading = read_all(config, files.sources, cache, report.problems, jobs)
            documents = reading.documents
            assets = site_assets.collect(config.templates, cache)
            definitions = collect_definitions(documents)  # once: the plan's cache keys and the pages both need it
            reading.forget_names()
            read_table = once(translate.read_table)  # each table once, for the plan and the audit
            planned = plan(config, files, documents, definitions, cache.remember, read_table)
            site = _renderer(config, files, reading, planned, cache, definitions, known)
            spare = config.cache.parent / "old-site" if use_cache and config.cache is not None else None
            with Staging(config.out, known_outputs, spare) as staging:  # dropped, old site untouched, if anything below fails
                produced = produce(planned.tasks, cache, site, jobs, staging, progress, config.equation_numbers)
                problems, notes = assemble(config, produced, assets, cache, site, staging.put)
                _audit_translations(config, reading, report, cache, read_table)
                staging.commit()
            complete = True
        except DamagedEntry as error:  # found only when used (in a worker too): the old site stays, the cache goes
            failed = cache.delete()
            then = (f"and it cannot be deleted ({failed}): delete it, or build with --no-cache" if failed
                    else "it is deleted: build again")
            raise BuildError(f"{cache.path}: an entry cannot be used ({error}); {then}") from None
        finally:
            cache.save(prune=complete and config.whole_project)
            cache.close()
        report.problems += planned.problems + problems
        report.notes += ([assets.note] if assets.note else []) + notes
        report.pages, report.outputs, report.cache_hits = len(documents), staging.files, cache.hits
        report.rendered, report.formulas = produced.rendered, produced.formulas
        report.page_hashes = {str(config.out / path): sha256 for path, sha256 in staging.hashes.items()}
        report.salt = cache.salt
    report.problems = sorted(set(report.problems), key=lambda p: (p.path, p.line, p.message))
    report.seconds = time.perf_counter() - started
    return report


def _renderer(config: Config, files: Files, reading: Reading, planned: Plan, cache: Cache, definitions: Definitions,
              known: dict[tuple[str, bool], tuple[str, str | None, str]]):
    """The renderer, made (and its heavy modules imported) on first need, with the formulas of earlier builds (`known`)."""

    @once
    def site() -> Site:
        from .math import KatexRenderer
        from .render import SectionMade, SectionMemo, Site

        math = KatexRenderer(known=known, number_all=config.equation_numbers == "all")
        compiled = cache.path.parent / "templates" if cache.path is not None else None
        memo = SectionMemo(lambda key: cache.get("section", key, SectionMade.from_json),
                           lambda *parts: cache.key("section", *parts)) if cache.path is not None else None
        return Site(config, files, reading, math, planned, definitions, compiled, memo)

    return site


def _empty_roots(config: Config, files: Files) -> list[Problem]:
    """A source folder with nothing to publish is most likely the wrong folder: say so."""
    found = [config.root / source.path for source in files.sources]
    return [Problem(str(root.dir), 0, f"no Python sources found in {root.dir}") for root in config.sources
            if not any(path.is_relative_to(root.dir) for path in found)]


def _audit_translations(config: Config, reading: Reading, report: Report, cache: Cache,
                        read_table: Callable[[Path], translate.TableText]) -> None:
    """
    The checks of `translate check` on every table, and the units shown in
    English awaiting review; each table's remembered until it or its page's units change.
    """
    if len(config.languages) < 2:
        return  # nothing to audit
    pages = {d.source.table: reading.units[d.source.url] for d in reading.documents if d.source.url in reading.units}
    for lang in config.languages[1:]:
        audit = translate.audit(config.translations, lang, pages, inventory, raw_html_outside_allowlist, cache.remember,
                                read_table)
        report.problems.extend(audit.problems)
        report.notes.extend(audit.notes())


__all__ = ["build", "read", "Report", "BuildError"]
