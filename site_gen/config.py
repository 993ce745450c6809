"""
# Settings

Everything a build needs to know that is not in the sources: where they are,
where the site goes, its public URL and the repository that hosts the code.
They live in `[tool.site_gen]` of `pyproject.toml`:

```toml
[tool.site_gen]
site_url = "https://example.org/"
repo_url = "https://github.com/owner/repo"
branch = "main"
title = "Annotated optimizers"
languages = ["en", "ja", "zh"]  # the first is the default, at the root
nav = ["index.html", "optimizers/adam.html"]  # reading order: these pages first, then the rest

[[tool.site_gen.sources]]
dir = "labml_nn"           # pages at the root of the site

[[tool.site_gen.sources]]
dir = "site_gen"
prefix = "site_gen"        # pages under html/site_gen/
title = "How this site is built"
translate = false          # in English in every language
```

`site-gen build SOURCE_DIR` overrides the sources with a single folder, so the
tool works on any folder of Python files. Its settings come from the
`pyproject.toml` at or above `SOURCE_DIR` (the project it belongs to), never
from one in the folder the command happens to run from; a folder that belongs
to no project is built with the defaults.

The build cache belongs to the sources: beside the project's `pyproject.toml`,
or, for a folder with no project, in the user's cache folder. Never in the
current folder, never beside the output.

In: a project folder (or none) and the command-line overrides. Out: a `Config`.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


class ConfigError(Exception):
    """A setting that cannot be used, with the file it came from."""


@dataclass
class SourceRoot:
    dir: Path
    prefix: str = ""
    title: str = ""
    # False: the pages exist in every language but stay in English (no tables)
    translate: bool = True


@dataclass
class Config:
    root: Path
    sources: list[SourceRoot]
    out: Path
    site_url: str = ""
    repo_url: str = ""
    branch: str = "main"
    title: str = "Annotated code"
    languages: list[str] = field(default_factory=lambda: ["en"])
    # Each language's name in itself, for the language switcher
    language_names: dict[str, str] = field(default_factory=dict)
    templates: Path = Path()
    translations: Path = Path()
    # "tagged": only equations with `\tag` or a referred `\label` get a number; "all": every numbered environment
    equation_numbers: str = "tagged"
    nav: list[str] = field(default_factory=list)  # page URLs read first, in this order
    # The build cache (outside the output folder); None: no cache
    cache: Path | None = None
    # False when SOURCE_DIR stands in for the project's sources: the build sees part of what the
    # cache serves, so it must not forget what it did not use
    whole_project: bool = True

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def translated(self, translate: bool, lang: str) -> bool:
        """Whether a page of a source folder with this `translate` setting takes its prose from tables in `lang`."""
        return translate and lang != self.default_language

    def language_folder(self, lang: str) -> PurePosixPath:
        """Where a language's pages go in the site: the root for the default, `ja/` and so on for others."""
        return PurePosixPath(".") if lang == self.default_language else PurePosixPath(lang)


AUTONYMS = {"en": "English", "ja": "日本語", "zh": "中文", "ko": "한국어", "fr": "Français", "de": "Deutsch"}
_PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def find_project(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` with a `pyproject.toml`: the project `folder` belongs to."""
    folder = folder.resolve()
    return next((f for f in [folder, *folder.parents] if (f / "pyproject.toml").is_file()), None)


def user_cache(name: str) -> Path:
    """A folder of ours in the user's cache folder (`~/.cache/site-gen/` on Linux)."""
    import platformdirs  # only a folder that belongs to no project needs it

    return Path(platformdirs.user_cache_dir("site-gen")) / name


def load(root: Path | None, source: Path | None = None, out: Path | None = None) -> Config:
    """
    Read `root/pyproject.toml` (if any) and apply command-line overrides. With
    no `root`, the project is the one `source` belongs to, if any.
    """
    if root is None and source is not None:
        root = find_project(source)
    if root is None:
        if source is None:
            raise ConfigError("no project folder and no SOURCE_DIR given")
        return _bare(source.resolve(), out)
    root = root.resolve()
    settings = _read_settings(root / "pyproject.toml")
    if source is not None:
        sources = [SourceRoot(source.resolve())]
    else:
        sources = [_source_root(root, entry) for entry in settings.get("sources", [])]
        if not sources:
            raise ConfigError(f"{root / 'pyproject.toml'}: no [[tool.site_gen.sources]] and no SOURCE_DIR given")
    templates = root / settings.get("templates", "templates")
    languages = settings.get("languages", ["en"])
    if not isinstance(languages, list) or not languages or not all(isinstance(x, str) for x in languages):
        raise ConfigError(f"{root / 'pyproject.toml'}: languages must be a non-empty list of language codes")
    equation_numbers = settings.get("equation_numbers", "tagged")
    if equation_numbers not in ("tagged", "all"):
        raise ConfigError(f'{root / "pyproject.toml"}: equation_numbers must be "tagged" or "all", not {equation_numbers!r}')
    nav = settings.get("nav", [])
    if not isinstance(nav, list) or not all(isinstance(x, str) and x for x in nav):
        raise ConfigError(f"{root / 'pyproject.toml'}: nav must be a list of page URLs such as \"optimizers/adam.html\"")
    return Config(
        root=root,
        sources=sources,
        out=(out or root / settings.get("out", "html")).resolve(),
        site_url=_with_slash(settings.get("site_url", "")),
        repo_url=str(settings.get("repo_url", "")).rstrip("/"),
        branch=str(settings.get("branch", "main")),
        title=str(settings.get("title", "Annotated code")),
        languages=languages,
        language_names={**AUTONYMS, **settings.get("language_names", {})},
        templates=templates if templates.is_dir() else _PACKAGE_TEMPLATES,
        translations=root / settings.get("translations", "translations"),
        cache=root / settings.get("cache", ".site_gen_cache") / "cache.sqlite",
        equation_numbers=equation_numbers,
        nav=nav,
        whole_project=source is None,
    )


def _bare(source: Path, out: Path | None) -> Config:
    """A folder of Python files that belongs to no project: defaults, and a cache of its own."""
    name = hashlib.sha256(str(source).encode()).hexdigest()[:16]
    return Config(
        root=source.parent,
        sources=[SourceRoot(source)],
        out=(out or Path.cwd() / "html").resolve(),
        language_names=dict(AUTONYMS),
        templates=_PACKAGE_TEMPLATES,
        translations=source.parent / "translations",
        cache=user_cache("builds") / name / "cache.sqlite",
    )


def _read_settings(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except (tomllib.TOMLDecodeError, OSError) as error:
        raise ConfigError(f"{path}: cannot read settings: {error}") from None
    settings = data.get("tool", {}).get("site_gen", {})
    if not isinstance(settings, dict):
        raise ConfigError(f"{path}: [tool.site_gen] must be a table")
    return settings


def _source_root(root: Path, entry: dict) -> SourceRoot:
    if not isinstance(entry, dict) or "dir" not in entry:
        raise ConfigError(f"{root / 'pyproject.toml'}: each [[tool.site_gen.sources]] needs a dir")
    return SourceRoot(
        (root / entry["dir"]).resolve(),
        str(entry.get("prefix", "")).strip("/"),
        str(entry.get("title", "")),
        bool(entry.get("translate", True)),
    )


def _with_slash(url: str) -> str:
    return url if not url or url.endswith("/") else url + "/"
