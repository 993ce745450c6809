"""A project's own templates: an error in one is reported by file and line, and compiled templates kept in the cache never change a page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_gen.cli import main

TEMPLATES = Path(__file__).parent.parent / "templates"


@pytest.fixture
def project(bilingual_tree: Path) -> Path:
    """The fixture project with a copy of our templates as its own, built once."""
    shutil.copytree(TEMPLATES, bilingual_tree / "templates")
    assert main(["build", "--root", str(bilingual_tree)]) == 0
    return bilingual_tree


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _edit(template: Path, old: str, new: str) -> None:
    text = template.read_text()
    assert old in text
    template.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("template, old, new, message", [
    # A syntax error: found when the templates are compiled, before any page is rendered
    ("page.html", "{% for row in rows %}", "{% for row in rows %}{% if %}", "Expected an expression"),
    # A name no page defines: found while rendering, in a worker
    ("base.html", "<body ", "{{ no_such_name }}<body ", "'no_such_name' is undefined"),
    # An expression that fails while rendering
    ("base.html", "<body ", "{{ 1 // 0 }}<body ", "ZeroDivisionError: integer division or modulo by zero"),
])
def test_a_template_error_names_file_and_line_and_keeps_the_site(project: Path, capsys: pytest.CaptureFixture,
                                                                template: str, old: str, new: str, message: str) -> None:
    before = _snapshot(project / "html")
    path = project / "templates" / template
    _edit(path, old, new)
    expected_line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if new in text)
    capsys.readouterr()
    assert main(["build", "--root", str(project)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{expected_line}: template error: {message}" in err
    assert "Traceback" not in err
    assert _snapshot(project / "html") == before  # the last good site stays


def test_compiled_templates_in_the_cache_never_change_a_page(project: Path, tmp_path: Path) -> None:
    compiled = project / ".site_gen_cache" / "templates"
    kept = sorted(compiled.iterdir())
    assert kept  # the first build kept them
    for path in kept:
        path.write_bytes(b"damaged" + path.read_bytes()[7:40])
    (project / "pkg" / "model.py").write_text((project / "pkg" / "model.py").read_text() + "\n# One more line\n")
    assert main(["build", "--root", str(project)]) == 0
    assert main(["build", "--root", str(project), "--no-cache", "--out", str(tmp_path / "clean")]) == 0
    left, right = _snapshot(project / "html"), _snapshot(tmp_path / "clean")
    assert left == right
