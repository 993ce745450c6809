"""
# Filling templates

One Jinja2 environment for the whole build. Autoescaping is on, so any text
that is not explicitly marked as HTML (prose and code come as `Markup` from
their renderers) is escaped; undefined names are errors, so a typo in a
template fails loudly instead of publishing an empty string.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError


class Templates:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._env = Environment(
            loader=FileSystemLoader(str(folder)),
            autoescape=True,
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, name: str, **context: object) -> str:
        return self._env.get_template(name).render(**context)


__all__ = ["Templates", "TemplateError"]
