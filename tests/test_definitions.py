"""Definitions and references found with `ast` (site_gen/definitions.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from site_gen.definitions import collect, module_names
from site_gen.split import PARSE_ERRORS, parse_tree
from site_gen.model import Source


@dataclass
class Doc:
    source: Source
    text: str


def _docs(files: dict[str, str]) -> list[Doc]:
    return [Doc(Source(PurePosixPath(path), PurePosixPath(path).with_suffix(".html"), PurePosixPath(path), "python"), text)
            for path, text in files.items()]


PACKAGE = {
    "pkg/__init__.py": 'class Base:\n    """Base of all.\n\n    More."""\n\n    def hook(self):\n        """## The hook"""\n\n\nLIMIT = 3\n',
    "pkg/child.py": (
        "from . import Base as B\n"
        "from pkg import LIMIT\n"
        "from os import path\n"
        "\n"
        "class Child(B):\n"
        "    def run(self, LIMIT=LIMIT):\n"
        "        x = [LIMIT for LIMIT in range(2)]\n"
        "        return LIMIT, B.hook, path, 'é' + str(B)\n"
    ),
}


def _refs(found, page: str) -> list[tuple[int, int, str, str]]:
    return [(r.line, r.column, r.text, r.target.name) for r in found.references[PurePosixPath(page)]]


def test_imports_relative_and_absolute_resolve_to_the_defining_line() -> None:
    found = collect(_docs(PACKAGE))
    base = found.defined[("pkg", "Base")]
    assert (base.line, base.summary) == (1, "Base of all.")
    assert found.defined[("pkg", "Base.hook")].summary == "The hook"  # a heading's words
    refs = _refs(found, "pkg/child.html")
    assert (1, 14, "Base", "Base") in refs  # the imported name itself
    assert (5, 12, "B", "Base") in refs  # a base class, under its alias
    assert (8, 24, "hook", "Base.hook") in refs  # Class.method through the alias
    # A parameter default is read in the enclosing scope; the parameter shadows it in the body
    assert (6, 24, "LIMIT", "LIMIT") in refs
    assert not [r for r in refs if r[2] == "LIMIT" and r[0] in (7, 8)]
    assert not [r for r in refs if r[2] == "path"]  # not a documented module
    assert found.users(base) == [PurePosixPath("pkg/child.html")]


def test_columns_count_characters_not_bytes() -> None:
    found = collect(_docs({"m.py": "def f():\n    pass\n\nx = ('ééé', f)\n"}))
    assert _refs(found, "m.html") == [(4, 12, "f", "f")]


def test_a_source_that_does_not_parse_has_no_links_and_does_not_stop_the_others() -> None:
    found = collect(_docs({"bad.py": "def (:\n", **PACKAGE}))
    assert PurePosixPath("bad.html") not in found.references
    assert _refs(found, "pkg/child.html")


def test_a_summary_reads_its_formulas_as_text_not_as_latex() -> None:
    # torch's LogSoftmax: "Applies the :math:`\log(\text{Softmax}(x))` function to an n-dimensional input Tensor."
    from site_gen.readable_math import readable

    found = collect(_docs({"act.py": (
        'class LogSoftmax:\n    r"""Applies the :math:`\\log(\\text{Softmax}(x))` function, as :class:`~a.B` does."""\n\n\n'
        'def adam():\n    r"""Moves by $\\hat{m}_t$, at a cost of `$`."""\n')}))
    softmax, moment = readable(r"\log(\text{Softmax}(x))"), readable(r"\hat{m}_t")
    assert found.defined[("act", "LogSoftmax")].summary == f"Applies the {softmax} function, as B does."
    assert found.defined[("act", "adam")].summary == f"Moves by {moment}, at a cost of $."


# Skipping the statements whose lines name no candidate finds exactly the reads of the full walk
_PIECES = [
    "from . import *\n", "from pkg import LIMIT as L\n", "import os.path\n", "def f(a=L, *b: 'T', **c):\n",
    "    return helper(a)\n", "    x = helper\n", "    global helper\n", "class C(Base):\n", "    @helper\n",
    "    def m(self): return self.helper, L.real\n", "helper = 1\n", "\x0c\n", "y = [helper for helper in z]\n",
    "s = f'{helper}'\n", "t = '''\nhelper\n'''\n", "lambda helper: helper\n", "ｈelper = 2\n", "\r\n", "\r",
    "class K:\n    @helper\n    def n(self): pass\n", "if helper: pass\n", "with open(p) as helper:\n    pass\n", "(L := 3)\n", "def helper(): pass\n",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=25).map("".join))
def test_skipping_statements_loses_no_read(text: str) -> None:
    try:
        tree = parse_tree(text)
    except PARSE_ERRORS:
        return
    source = _docs({"pkg/mod.py": text})[0].source
    pruned = module_names(tree, source, text, also=["Base", "z", "helper"])
    with patch("site_gen.definitions._lines_naming", lambda text, candidates: list(range(1, len(text) + 2))):
        full = module_names(tree, source, text, also=["Base", "z", "helper"])
    assert pruned == full


def test_skipping_statements_loses_no_read_in_this_project() -> None:
    root = Path(__file__).resolve().parent.parent
    for path in sorted((root / "site_gen").glob("*.py")) + sorted((root / "labml_nn").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        source = _docs({str(path.relative_to(root)): text})[0].source
        tree = parse_tree(text)
        with patch("site_gen.definitions._lines_naming", lambda text, candidates: list(range(1, len(text) + 2))):
            full = module_names(tree, source, text)
        assert module_names(tree, source, text) == full, path
