"""
# Filling templates

One Jinja2 environment for the whole build, with Jinja's own i18n extension:
templates mark interface strings with `_()` and each language's `_ui.json`
translates them. Autoescaping is on, so any text
that is not explicitly marked as HTML (prose and code come as `Markup` from
their renderers) is escaped; undefined names are errors, so a typo in a
template fails loudly instead of publishing an empty string.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from jinja2 import DictLoader, Environment, StrictUndefined, TemplateError
from markupsafe import escape

from .translate import PLACEHOLDER


class Templates:
    def __init__(self, folder: Path) -> None:
        # Every template read once, now: rendering a page reads nothing from the disk (`static/` is only copied)
        self.sources = {path.relative_to(folder).as_posix(): path.read_text("utf-8")
                        for path in sorted(Path(folder).rglob("*"))
                        if path.is_file() and "static" not in path.relative_to(folder).parts}
        self._env = Environment(
            loader=DictLoader(self.sources),
            autoescape=True,
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=["jinja2.ext.i18n"],
        )
        self._env.filters["nested"] = nested

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
        return self._env.get_template(name).render(**context)

    def macro(self, template: str, name: str) -> Callable[..., str]:
        """A macro of a template, to render a piece of a page once for many pages."""
        return getattr(self._env.get_template(template).module, name)

    def interface_strings(self) -> list[str]:
        """Every string the templates pass to `_()`/`gettext`, in template order."""
        found: dict[str, None] = {}
        for name in sorted(self._env.list_templates(filter_func=lambda n: n.endswith((".html", ".xml")))):
            source = self._env.loader.get_source(self._env, name)[0]
            for _, _, message in self._env.extract_translations(source):
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


__all__ = ["Templates", "TemplateError", "nested"]
