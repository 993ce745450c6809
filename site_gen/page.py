"""
# Filling templates

One Jinja2 environment for the whole build, with Jinja's own i18n extension:
templates mark interface strings with `_()` and each language's `_ui.json`
translates them. Autoescaping is on, so any text
that is not explicitly marked as HTML (prose and code come as `Markup` from
their renderers) is escaped; undefined names are errors, so a typo in a
template fails loudly instead of publishing an empty string.

Every template is compiled when the environment is made, in the main process
before any worker starts: a template with an error stops the build with its
file and line before a page is rendered, never with a traceback. With a cache
folder, compiled templates are kept there by Jinja's own bytecode cache
(checked against each template's source), so a later build skips compiling.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Callable

from jinja2 import Environment, FileSystemBytecodeCache, FunctionLoader, StrictUndefined, TemplateError
from jinja2.bccache import Bucket
from markupsafe import escape

from .config import ConfigError
from .translate import PLACEHOLDER


class TemplateProblem(ConfigError):
    """A template that cannot be compiled or rendered: its file, line and Jinja's message."""


class _QuietBytecodeCache(FileSystemBytecodeCache):
    """Jinja's bytecode cache, which can make a build faster but never fail it (a damaged or unwritable entry is a miss)."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


class Templates:
    def __init__(self, folder: Path, compiled: Path | None = None) -> None:
        """`compiled`: a folder to keep compiled templates in between builds (none: compile every build)."""
        folder = Path(folder)
        # Every template read once, now: rendering a page reads nothing from the disk (`static/` is only copied)
        self.sources = {path.relative_to(folder).as_posix(): path.read_text("utf-8")
                        for path in sorted(folder.rglob("*"))
                        if path.is_file() and "static" not in path.relative_to(folder).parts}
        self._paths = {name: str(folder / name) for name in self.sources}
        bytecode = None
        if compiled is not None:
            try:
                compiled.mkdir(parents=True, exist_ok=True)
                bytecode = _QuietBytecodeCache(str(compiled))
            except OSError:
                pass  # no place to keep them: compile every build
        self._env = Environment(
            loader=FunctionLoader(self._source),
            bytecode_cache=bytecode,
            autoescape=True,
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=["jinja2.ext.i18n"],
        )
        self._env.filters["nested"] = nested
        for name in self._pages():
            self._checked(lambda: self._env.get_template(name))

    def _pages(self) -> list[str]:
        """The templates that make pages and pieces of pages (others in the folder are data, such as images)."""
        return [name for name in sorted(self.sources) if name.endswith((".html", ".xml"))]

    def _source(self, name: str) -> tuple[str, str, Callable[[], bool]] | None:
        if name not in self.sources:
            return None
        return self.sources[name], self._paths[name], lambda: True

    def _checked(self, work: Callable[[], object]) -> object:
        """`work()`, with a template error turned into a `TemplateProblem` naming the template's file and line."""
        try:
            return work()
        except Exception as error:
            # A syntax error knows its place; any other error is placed by its template's frame
            where = (getattr(error, "filename", None), getattr(error, "lineno", None)) \
                if isinstance(error, TemplateError) else (None, None)
            for frame, line in traceback.walk_tb(error.__traceback__):  # a runtime error: its template frame
                if frame.f_code.co_filename in self._paths.values():
                    where = frame.f_code.co_filename, line
            filename, line = where
            if not isinstance(error, TemplateError) and not filename:
                raise  # not the template's doing: a bug of ours, reported as one
            place = f"{filename}:{line}" if filename and line else filename or "templates"
            message = error.message if isinstance(error, TemplateError) and error.message else f"{type(error).__name__}: {error}"
            raise TemplateProblem(f"{place}: template error: {message}") from None

    def render(self, name: str, gettext: Callable[[str], str] = lambda text: text, **context: object) -> str:
        """Render a template; `gettext` translates its interface strings."""
        # Jinja treats a translated string as safe HTML; ours come from editable tables, so escape them
        # Jinja %-formats every translated string; as in gettext, one whose English has no
        # placeholder is not a format string, so its `%` is doubled to come out as written
        def safe_gettext(text: str) -> str:
            translated = escape(gettext(text))
            return translated if PLACEHOLDER.search(text) else translated.replace("%", "%%")

        self._env.install_gettext_callables(
            safe_gettext, lambda one, many, n: safe_gettext(one if n == 1 else many), newstyle=True
        )
        return self._checked(lambda: self._env.get_template(name).render(**context))

    def macro(self, template: str, name: str) -> Callable[..., str]:
        """A macro of a template, to render a piece of a page once for many pages."""
        return self._checked(lambda: getattr(self._env.get_template(template).module, name))

    def interface_strings(self) -> list[str]:
        """Every string the templates pass to `_()`/`gettext`, in template order."""
        found: dict[str, None] = {}
        for name in self._pages():
            for _, _, message in self._env.extract_translations(self.sources[name]):
                for text in message if isinstance(message, tuple) else (message,):
                    if text:
                        found.setdefault(text, None)
        return list(found)


def nested(headings: list) -> list[dict]:
    """
    Flat headings (each with a `level`) as a tree: `[{anchor, text, children}]`.
    A heading is the child of the nearest heading before it of a lower level, so
    a list of contents keeps its hierarchy however levels jump.
    """
    root: list[dict] = []
    stack: list[tuple[int, list[dict]]] = [(0, root)]
    for heading in headings:
        while len(stack) > 1 and stack[-1][0] >= heading.level:
            stack.pop()
        node = dict(anchor=heading.anchor, text=heading.text, children=[])
        stack[-1][1].append(node)
        stack.append((heading.level, node["children"]))
    return root


__all__ = ["Templates", "TemplateError", "TemplateProblem", "nested"]
