"""The splitter: golden files for each rule, and the line invariant everywhere."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path, PurePosixPath

import pytest
from conftest import compare_golden
from hypothesis import given, settings
from hypothesis import strategies as st

from site_gen.split import source_lines, split

SNIPPETS = Path(__file__).parent / "snippets" / "split"


def describe(text: str) -> str:
    """A readable dump of how a file was split, for golden files."""
    sections, problems = split(text, "snippet.py")
    lines = source_lines(text)
    out = []
    for number, section in enumerate(sections, start=1):
        out.append(f"=== section {number}: prose from lines {section.doc_lines}")
        out.extend(f"| {line}" for line in section.doc.split("\n")) if section.doc else None
        out.extend(f"{n:>4}: {lines[n - 1]}" for n in section.code_lines)
    out.extend(f"problem: {p}" for p in problems)
    return "\n".join(out) + "\n"


def assert_invariant(text: str) -> None:
    """Every line used exactly once; code lines in source order."""
    sections, _ = split(text)
    lines = source_lines(text)
    used = [n for s in sections for n in s.doc_lines + s.code_lines]
    assert sorted(used) == list(range(1, len(lines) + 1))
    code = [n for s in sections for n in s.code_lines]
    assert code == sorted(code)


@pytest.mark.parametrize("source", sorted(SNIPPETS.glob("*.py")), ids=lambda p: p.stem)
def test_golden(source: Path, update_goldens: bool) -> None:
    text = source.read_text()
    compare_golden(source.with_suffix(".txt"), describe(text), update_goldens)
    assert_invariant(text)


def test_docstring_sits_beside_its_signature() -> None:
    sections, _ = split('@dec\ndef f(a):\n    """Explains f."""\n    return a\n')
    [section] = sections
    assert section.doc == "Explains f."
    assert section.code_lines == [1, 2, 4]
    assert section.doc_lines == [3]


def test_hash_in_string_is_not_a_comment() -> None:
    sections, _ = split('s = "# no"\n')
    assert [s.doc for s in sections] == [""]


def test_untokenizable_file_falls_back_and_says_where() -> None:
    sections, problems = split('# prose\nx = """\n# more\n', "bad.py")
    assert problems and problems[0].path == "bad.py" and "tokenize" in problems[0].message
    assert sections[0].doc == "prose"


# Lines that together exercise every rule: comments, docstrings, strings with #,
# decorators, blank lines, indentation, and text that does not parse at all.
_LINES = st.sampled_from([
    "# a comment", "    # indented comment", "x = 1", "x = '#'  # trailing", "", "   ",
    "def f():", "    '''doc'''", '    """doc', '    more"""', "class C:", "    pass", "@dec",
    "    return 1", 's = """', '"""', "if x:", "\tx = 2", "y = (", "  1)", "async def g():",
    "    r'''$\\alpha$'''", "#!", "\\", "é = 'ü'",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, max_size=30), st.booleans())
def test_no_line_lost_duplicated_or_reordered(lines: list[str], final_newline: bool) -> None:
    text = "\n".join(lines) + ("\n" if final_newline and lines else "")
    assert_invariant(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), max_size=300))
def test_invariant_on_arbitrary_text(text: str) -> None:
    assert_invariant(text)


def _stdlib_files() -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    return sorted(p for p in root.rglob("*.py") if "site-packages" not in p.relative_to(root).parts)


def test_invariant_on_a_stdlib_package() -> None:
    package = Path(sysconfig.get_paths()["stdlib"]) / "json"
    for path in sorted(package.rglob("*.py")):
        assert_invariant(path.read_text("utf-8").replace("\r\n", "\n"))


@pytest.mark.slow
def test_invariant_on_the_whole_stdlib() -> None:
    checked = 0
    for path in _stdlib_files():
        try:
            text = path.read_text("utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        assert_invariant(text.replace("\r\n", "\n").replace("\r", "\n"))
        checked += 1
    assert checked > 500, sys.version


def test_a_missing_golden_file_fails_and_is_not_written(tmp_path: Path) -> None:
    missing = tmp_path / "new.txt"
    with pytest.raises(AssertionError, match="update-goldens"):
        compare_golden(missing, "output", update=False)
    assert not missing.exists()
    compare_golden(missing, "output", update=True)
    assert missing.read_text() == "output"


NESTED = '''
"""Module."""
if True:
    def in_if():
        """In an if."""
else:
    class InElse:
        """In an else."""
try:
    def in_try():
        """In a try."""
except ValueError:
    def in_except():
        """In an except."""
finally:
    for _ in ():
        while False:
            with open("x") as f:
                async def in_with():
                    """In a with, in loops."""
match 1:
    case 1:
        class InCase:
            """In a match case."""

            def method(self):
                """A method."""

                def inner():
                    """Inside a function."""
x = [lambda: None for _ in ()]  # expressions hold no definitions
'''


def test_docstrings_of_definitions_nested_in_every_kind_of_statement() -> None:
    sections, problems = split(NESTED)
    assert problems == []
    docs = [s.doc for s in sections if s.doc]
    assert docs == ["Module.", "In an if.", "In an else.", "In a try.", "In an except.", "In a with, in loops.",
                    "In a match case.", "A method.", "Inside a function."]


@pytest.mark.parametrize("comment, prose", [("# note", "note"), ("#note", "note")])
def test_a_comment_after_a_docstrings_closing_quotes_is_prose_with_it(comment: str, prose: str) -> None:
    text = f'def f():\n    """Another. $y$"""  {comment}\n    return 1\n'
    sections, _ = split(text)
    assert [s.doc for s in sections] == [f"Another. $y$\n\n{prose}"]
    assert sections[0].code_lines == [1, 3] and sections[0].doc_lines == [2]


def test_a_pragma_after_a_docstring_stays_in_the_code() -> None:
    sections, _ = split('def f():\n    """Doc."""  # noqa: D401\n    return 1\n')
    assert 2 in sections[0].code_lines


def _comments_agree(text: str) -> bool:
    """The comment lines found from the tree are tokenize's; returns whether the tree decided alone."""
    from site_gen.split import _comment_lines, _comment_lines_of_tree, tree_or_error

    tree = tree_or_error(text)
    found = _comment_lines_of_tree(tree, source_lines(text)) if not isinstance(tree, Exception) else None
    if found is not None:
        assert found == _comment_lines(text)
    return found is not None


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES | st.sampled_from(['x = ("a"', "     # between", '     "b")', "f'''{x}", "  # in f'''",
                                          's = """\\""" # not the end', 'r"""x', "\t# tabbed", "\f# fed"]),
                max_size=30))
def test_comments_from_the_tree_are_tokenizes(lines: list[str]) -> None:
    _comments_agree("\n".join(lines) + "\n")


def test_a_comment_between_two_strings_of_one_value_sends_the_file_to_tokenize() -> None:
    text = 'x = ("a"\n     # between\n     "b")\ns = """\n# inside\n"""\n'
    assert not _comments_agree(text)
    sections, _ = split(text)
    assert "between" in sections[1].doc and "inside" not in "".join(s.doc for s in sections)


@pytest.mark.slow
def test_comments_from_the_tree_are_tokenizes_on_the_whole_stdlib() -> None:
    decided = 0
    for path in _stdlib_files():
        try:
            text = path.read_text("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        except (UnicodeDecodeError, OSError):
            continue
        decided += _comments_agree(text)
    assert decided > 500


@settings(max_examples=80, deadline=None)
@given(st.text(st.characters(blacklist_characters="\r\0", blacklist_categories=("Cs",))))
def test_a_document_gives_back_its_text_and_lines_after_crossing_to_a_worker(text: str) -> None:
    import pickle

    from site_gen.document import parse
    from site_gen.model import Source

    source = Source(PurePosixPath("m.md"), PurePosixPath("m.html"), PurePosixPath("m.md"), "markdown")
    document = parse(source, text, [])  # held packed
    lines = document.lines
    again = pickle.loads(pickle.dumps(document))  # as a worker receives it, without its split lines
    document.release()
    assert again.text == document.text == text
    assert again.lines == document.lines == lines == source_lines(text)
