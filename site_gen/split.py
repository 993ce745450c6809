"""
# Splitting a source file into sections

`split(text)` reads Python as text, never importing it, and returns the
sections of its page. The standard library does the parsing:

* `ast` finds module, class and function docstrings and the `def`/`class`
  lines (with their decorators) that they document, and the strings that span
  lines: a line starting with `#` outside them is a comment (the tree is
  parsed once, and shared with the [definitions](definitions.py));
* `tokenize` finds comments where the tree cannot tell (a comment between two
  pieces of one string value) or the file does not parse.

Each source line then gets one role. A block of full-line comments is the
prose of the code that follows it; a comment at the end of a code line stays in
the code. A docstring is the prose of its `def` or `class`, whose header lines
move into the docstring's section so that the prose sits beside the signature
it explains.

The invariant that the tests check on every file we can find: each source line
is used exactly once, as prose or as code, and code lines keep their order.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import tokenize
import warnings
from bisect import bisect_right
from dataclasses import dataclass
from typing import Iterator

from .model import Problem, Section

# `# -*- coding: utf-8 -*-` on line 1 or 2 is an instruction to Python, not prose
_CODING = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")
# Instructions to tools (`# fmt: off`, `# type: ignore`, `# noqa`): code, not prose
_TOOL_PRAGMA = re.compile(r"#[ \t]*(?:(?:fmt|type|pylint|pragma|isort|mypy|pyright|ruff|flake8):|noqa\b)")
# A string prefix such as `r`, `u` or `rb` before the opening quotes
_PREFIX = re.compile(r"^[rRuUbBfF]{0,2}")


@dataclass
class _Docstring:
    header_start: int  # first line of the decorators or `def`/`class`
    start: int  # first line of the docstring
    end: int  # last line of the docstring
    text: str


def split(text: str, path: str = "<source>", tree: ast.Module | Exception | None = None,
          comment_rows: list[int] | None = None) -> tuple[list[Section], list[Problem]]:
    r"""
    Split normalised source text (`\n` line endings) into sections. `tree` is
    what `parse_tree(text)` gave, when the caller needs the tree too (parsed once).
    `comment_rows`, if given, receives the numbers of the lines known to be
    whole-line comments (by the tree or by `tokenize`; none for a file neither reads).
    """
    lines = source_lines(text)
    problems: list[Problem] = []
    tree = tree_or_error(text) if tree is None else tree
    comments = _comment_lines_of_tree(tree, lines) if isinstance(tree, ast.Module) else None
    if comments is None:
        try:
            comments = _comment_lines(text)
        except (tokenize.TokenError, SyntaxError, ValueError) as error:
            line = _error_line(error, len(lines))
            problems.append(Problem(path, line, f"could not tokenize, split on comment lines only: {_reason(error)}"))
            return _assemble(lines, _plain_comment_lines(lines), []), problems
    if comment_rows is not None:
        comment_rows.extend(comments)
    if isinstance(tree, Exception):
        problems.append(Problem(path, _error_line(tree, len(lines)),
                                f"could not parse, docstrings shown as code: {_reason(tree)}"))
        return _assemble(lines, comments, []), problems
    return _assemble(lines, comments, _docstrings(tree, lines)), problems


def source_lines(text: str) -> list[str]:
    r"""Lines as Python counts them: split on `\n` only, no final empty line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _reason(error: Exception) -> str:
    message = error.args[0] if error.args else str(error)
    return str(message)


def _error_line(error: Exception, line_count: int) -> int:
    line = getattr(error, "lineno", None)
    if line is None and isinstance(error, tokenize.TokenError) and len(error.args) > 1:
        line = error.args[1][0]
    return max(1, min(int(line or 1), max(line_count, 1)))


def _comment_lines(text: str) -> dict[int, str]:
    """Full-line comments found by `tokenize`, mapped to their prose."""
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type != tokenize.COMMENT:
            continue
        row, col = token.start
        if token.line[:col].strip():
            continue  # a comment at the end of a code line stays in the code
        if _is_pragma(row, token.string):
            continue
        comments[row] = _comment_prose(token.string)
    return comments


def _comment_lines_of_tree(tree: ast.Module, lines: list[str]) -> dict[int, str] | None:
    """
    Full-line comments of a source that parses, found without tokenizing it
    again: a line that starts with `#` (after its indentation) is a comment
    unless a string the tree holds spans it. `None` when such a string is not
    one plain triple-quoted literal (`("a"` / `# comment` / `"b")` is two, with
    a comment between): `tokenize` decides then.
    """
    starts = [n for n, line in enumerate(lines, start=1) if line.lstrip(" \t\f").startswith("#")]
    if not starts:
        return {}
    in_strings: set[int] = set()
    for node in _strings_over_lines(tree):
        inside = starts[bisect_right(starts, node.lineno) : bisect_right(starts, node.end_lineno)]
        if inside:
            if not _one_literal(node, lines):
                return None
            in_strings.update(inside)
    comments = {}
    for number in starts:
        comment = lines[number - 1].lstrip(" \t\f")
        if number not in in_strings and not _is_pragma(number, comment):
            comments[number] = _comment_prose(comment)
    return comments


def _strings_over_lines(tree: ast.Module) -> Iterator[ast.expr]:
    """The string literals that span lines; only nodes that span lines are entered (most of a tree is not)."""
    pending: list[ast.AST] = [tree]
    while pending:
        for child in ast.iter_child_nodes(pending.pop()):
            if not hasattr(child, "end_lineno"):  # no position (arguments, contexts, operators): look inside
                pending.append(child)
            elif child.end_lineno is None or child.end_lineno <= child.lineno:
                continue
            elif isinstance(child, ast.JoinedStr) or (isinstance(child, ast.Constant)
                                                      and isinstance(child.value, (str, bytes))):
                yield child
            else:
                pending.append(child)


def _one_literal(node: ast.expr, lines: list[str]) -> bool:
    """Whether a string spanning lines is one triple-quoted literal, its quotes nowhere but at its ends."""
    first, last = node.lineno - 1, node.end_lineno - 1
    source = "\n".join([_slice_bytes(lines[first], node.col_offset, None), *lines[first + 1 : last],
                        _slice_bytes(lines[last], 0, node.end_col_offset)])
    literal = source[_PREFIX.match(source).end() :]
    quote = literal[:3]
    return quote in ('"""', "'''") and len(literal) >= 6 and literal.find(quote, 3) == len(literal) - 3


def _plain_comment_lines(lines: list[str]) -> dict[int, str]:
    """Fallback for files `tokenize` rejects: every line that starts with `#`."""
    return {
        number: _comment_prose(line.strip())
        for number, line in enumerate(lines, start=1)
        if line.lstrip().startswith("#") and not _is_pragma(number, line.strip())
    }


def _is_pragma(row: int, comment: str) -> bool:
    return ((row == 1 and comment.startswith("#!")) or (row <= 2 and bool(_CODING.match(comment)))
            or bool(_TOOL_PRAGMA.match(comment)))


def _comment_prose(comment: str) -> str:
    prose = comment[1:]
    return prose[1:] if prose.startswith(" ") else prose


# What `ast.parse` raises on a source it cannot read
PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)


def parse_tree(text: str) -> ast.Module:
    """The syntax tree of a source; raises one of `PARSE_ERRORS`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes in the documented code are not our concern
        return ast.parse(text)


def tree_or_error(text: str) -> ast.Module | Exception:
    """The syntax tree of a source, or why there is none (for `split` to report)."""
    try:
        return parse_tree(text)
    except PARSE_ERRORS as error:
        return error


def _docstrings(tree: ast.Module, lines: list[str]) -> list[_Docstring]:
    """Docstrings that stand on lines of their own, with their headers."""
    found = []
    for node in _definitions(tree):
        body = node.body
        if not body or not isinstance(body[0], ast.Expr):
            continue
        value = body[0].value
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            continue
        after = _after_docstring(value, lines)
        if after is None:
            continue
        if isinstance(node, ast.Module):
            header_start = value.lineno
        else:
            decorators = [d.lineno for d in node.decorator_list]
            header_start = min([node.lineno, *decorators])
            # The decorator's `@` may sit on an earlier line than its expression, joined
            # by a backslash (a docstring's last line can start with `@` too: `@return:`)
            while header_start > 1 and lines[header_start - 2].strip().startswith("@") \
                    and lines[header_start - 2].rstrip().endswith("\\"):
                header_start -= 1
        # A comment after the closing quotes is prose too: a paragraph after the docstring's
        found.append(_Docstring(header_start, value.lineno, value.end_lineno,
                                _join(_docstring_prose(value, lines), _comment_prose(after) if after else "")))
    return sorted(found, key=lambda d: d.start)


def _definitions(tree: ast.Module) -> list[ast.AST]:
    """
    The module and every `def` and `class` in it. Definitions are statements,
    and statements sit only in other statements' bodies, so expressions (most
    of a tree) are never visited.
    """
    found: list[ast.AST] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)):
                pending.append(child)
    return found


def _after_docstring(value: ast.Constant, lines: list[str]) -> str | None:
    """
    What follows a docstring's closing quotes ("" for nothing, or a comment),
    or `None` when it does not stand on lines of its own: code shares its
    lines, or a tool's pragma (`# noqa`) follows it, which stays in the code.
    """
    before = lines[value.lineno - 1].encode("utf-8")[: value.col_offset].decode("utf-8", "replace")
    after = lines[value.end_lineno - 1].encode("utf-8")[value.end_col_offset :].decode("utf-8", "replace")
    after = after.strip()
    if before.strip() or (after and (not after.startswith("#") or _TOOL_PRAGMA.match(after))):
        return None
    return after


def _docstring_prose(value: ast.Constant, lines: list[str]) -> str:
    """The docstring as the author wrote it: backslashes stay as typed."""
    first, last = value.lineno - 1, value.end_lineno - 1
    if first == last:
        raw = _slice_bytes(lines[first], value.col_offset, value.end_col_offset)
    else:
        raw = "\n".join(
            [_slice_bytes(lines[first], value.col_offset, None), *lines[first + 1 : last],
             _slice_bytes(lines[last], 0, value.end_col_offset)]
        )
    literal = raw[_PREFIX.match(raw).end() :]
    quote = literal[:3] if literal[:3] in ('"""', "'''") else literal[:1]
    inner = literal[len(quote) : len(literal) - len(quote)]
    if isinstance(value.value, str) and "\\" not in raw and inner != value.value:
        inner = value.value  # implicit concatenation or similar; trust Python
    return inspect.cleandoc(inner)


def _slice_bytes(line: str, start: int, end: int | None) -> str:
    # ast reports columns as UTF-8 byte offsets
    return line.encode("utf-8")[start:end].decode("utf-8", "replace")


def _assemble(lines: list[str], comments: dict[int, str], docstrings: list[_Docstring]) -> list[Section]:
    """Walk the lines once, giving each one a role and a section."""
    by_header = {d.header_start: d for d in docstrings}
    docstring_lines = {n for d in docstrings for n in range(d.start, d.end + 1)}
    header_lines = {n for d in docstrings for n in range(d.header_start, d.start)}
    sections = [Section()]

    def open_section(doc: str, doc_lines: list[int]) -> None:
        current = sections[-1]
        # Prose directly above a `def` (no line between) joins its docstring
        if current.code_lines:
            sections.append(Section(doc, doc_lines))
        else:
            current.doc = _join(current.doc, doc)
            current.doc_lines.extend(doc_lines)

    number = 1
    while number <= len(lines):
        docstring = by_header.get(number)
        if docstring is not None:
            open_section(docstring.text, [])
            sections[-1].code_lines.extend(range(number, docstring.start))
            sections[-1].doc_lines.extend(range(docstring.start, docstring.end + 1))
            sections[-1].doc_lines.sort()
            number = docstring.end + 1
            continue
        if number in comments and number not in header_lines and number not in docstring_lines:
            block = []
            while number <= len(lines) and number in comments and number not in header_lines:
                block.append(number)
                number += 1
            prose = "\n".join(comments[n] for n in block)
            current = sections[-1]
            only_blank_since_doc = current.doc and all(not lines[n - 1].strip() for n in current.code_lines)
            if only_blank_since_doc and current.code_lines:
                # A blank line between two comment blocks is a paragraph break: it becomes prose
                current.doc = _join(current.doc, prose)
                current.doc_lines.extend(current.code_lines + block)
                current.code_lines = []
            else:
                open_section(prose, block)
            continue
        sections[-1].code_lines.append(number)
        number += 1
    return [s for s in sections if s.doc or s.code_lines or s.doc_lines]


def _join(first: str, second: str) -> str:
    return f"{first}\n\n{second}" if first and second else first or second
