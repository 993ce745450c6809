"""
# Code that links to its definitions

In: the site's Python documents. Out: for each page, the names in its code
that a documented source defines (classes, functions, methods and
module-level names) with the page, line and one-line summary of their
definition; and for each definition, the pages that use it.

Everything comes from `ast` at build time. A module's scope is what it
defines at its top level and what it takes with `from … import …` from another
documented module (absolute or relative); a name links where it is read and
not shadowed by a parameter or a local of the function around it, and
`Class.method` links to the method. The page script turns the references into
links, so the highlighted code is never rewritten.

Most statements read none of the names that may link, so the walk looking
for reads skips every statement in whose lines none of them is written.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Callable, Iterable, Protocol

from .files import relative_url
from .grammar import tokenize
from .model import Source
from .navigation import Link
from .readable_math import readable
from .roles import roles_as_code_spans
from .split import PARSE_ERRORS, parse_tree


class _Readable(Protocol):
    source: Source
    text: str


@dataclass(frozen=True, slots=True)  # tens of thousands on a big site: no dict each
class Definition:
    module: str
    name: str  # `Adam`, `Adam.step_param`, `CONSTANT`
    url: PurePosixPath  # the page that defines it
    line: int
    summary: str  # the first line of its docstring


@dataclass(frozen=True, slots=True)
class Reference:
    line: int
    column: int  # in characters, from the start of the line
    text: str  # the name as it is written there
    target: Definition


@dataclass
class Definitions:
    """Every definition of the documented sources, and every reference to one."""

    defined: dict[tuple[str, str], Definition] = field(default_factory=dict)
    references: dict[PurePosixPath, list[Reference]] = field(default_factory=dict)
    scopes: dict[PurePosixPath, dict[str, Definition]] = field(default_factory=dict)
    _using: dict[Definition, dict[PurePosixPath, None]] | None = field(default=None, repr=False, compare=False)
    # Indexed once, in definition order: the members of each class (by module and class), the definitions of each page
    _members: dict[tuple[str, str], list[tuple[str, Definition]]] | None = field(default=None, repr=False, compare=False)
    _on_page: dict[PurePosixPath, list[Definition]] | None = field(default=None, repr=False, compare=False)
    _shown_texts: dict[int, str] = field(default_factory=dict, repr=False, compare=False)  # by `id`: they live as long

    def users(self, target: Definition) -> list[PurePosixPath]:
        """The other pages that use a definition, in page order."""
        return [url for url in self._pages_using().get(target, {}) if url != target.url]

    def _pages_using(self) -> dict[Definition, dict[PurePosixPath, None]]:
        # Indexed once: looking each definition up in every page's references is O(definitions × references)
        if self._using is None:
            self._using = {}
            for url, refs in self.references.items():
                for ref in refs:
                    self._using.setdefault(ref.target, {})[url] = None
        return self._using

    def _indexes(self) -> tuple[dict[tuple[str, str], list[tuple[str, Definition]]], dict[PurePosixPath, list[Definition]]]:
        # Scanning every definition for each name of each page is O(pages × names × definitions)
        if self._members is None or self._on_page is None:
            self._members, self._on_page = {}, {}
            for (module, qualified), d in self.defined.items():
                if "." in qualified:
                    self._members.setdefault((module, qualified.split(".", 1)[0]), []).append((qualified, d))
                self._on_page.setdefault(d.url, []).append(d)
        return self._members, self._on_page

    def fingerprint(self, url: PurePosixPath) -> str:
        """
        Everything page `url` shows of definitions, its own and other pages'
        (lines, summaries, the pages that use its own), for its cache key: a
        definition that moves re-renders the pages that link to it, not the site.
        """
        members, on_page = self._indexes()
        targets: dict[int, tuple[int, Definition]] = {}  # by identity: hashing one hashes its path, ~10x slower

        def target(d: Definition) -> int:  # each shown once, however many lines name it
            return targets.setdefault(id(d), (len(targets), d))[0]

        refs = [(r.line, r.column, r.text, target(r.target)) for r in self.references.get(url, [])]
        names = [(name, target(d), [(qualified, target(member)) for qualified, member in members.get((d.module, d.name), [])])
                 for name, d in self.scopes.get(url, {}).items()]
        own = [(d.name, d.line, [str(user) for user in self.users(d)]) for d in on_page.get(url, [])]  # titles: in the plan
        return "\n".join([repr((refs, names, own)), *(self._shown(d) for _, d in targets.values())])

    def _shown(self, d: Definition) -> str:
        """A target as `page` shows it, for `fingerprint`: made once a build (a page shows hundreds, most shown by many)."""
        found = self._shown_texts.get(id(d))
        if found is None:
            found = self._shown_texts[id(d)] = repr((d.module, d.name, str(d.url), d.line, d.summary))
        return found

    def page(self, url: PurePosixPath, language: PurePosixPath,
             title: Callable[[PurePosixPath], tuple[str, str]]) -> dict:
        """
        What one page's script and template need, as plain data: references
        (`[line, column, name, target]`), targets (`[href, summary]`), the names
        its prose may mention, and, by line, where the definitions it holds are used
        (`title` names a page, with the title's language when it is not the page's).
        """
        page = language / url
        targets: dict[Definition, int] = {}

        def target(definition: Definition) -> int:
            return targets.setdefault(definition, len(targets))

        refs = [[r.line, r.column, r.text, target(r.target)] for r in self.references.get(url, [])]
        members, on_page = self._indexes()
        names = {}
        for name, d in self.scopes.get(url, {}).items():
            names[name] = target(d)
            for qualified, member in members.get((d.module, d.name), []):  # `Adam.step_param`
                names[name + qualified[len(d.name):]] = target(member)

        def link(user: PurePosixPath) -> Link:
            text, lang = title(user)
            return Link(text, relative_url(language / user, page), lang=lang)

        used = {d.line: dict(name=d.name, pages=[link(u) for u in self.users(d)]) for d in on_page.get(url, [])}
        return dict(
            script=dict(refs=refs, names=names,
                        targets=[[relative_url(language / d.url, page) + f"#L{d.line}", d.summary] for d in targets]),
            used={line: use for line, use in used.items() if use["pages"]},
        )


def module_name(source: Source) -> str:
    parts = PurePosixPath(source.path).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@dataclass
class ModuleNames:
    """
    What one module defines and where it reads names that may link, found in
    its tree when the source is read (its only parse) and kept with its
    document: plain data, which the cache stores and workers send back.
    Which reads do link is decided by `collect`, once every module is known.
    """

    defined: list[list] = field(default_factory=list)  # [name, line, summary]
    imports: list[list] = field(default_factory=list)  # [module, name, alias or None] of its top-level `from … import`
    # [line, column, text, kind, name]: a read of `name` ("name"), of `name.text` ("attribute") or an
    # imported `text` bound to `name` ("import"), wherever `name` is one of `candidates` and not shadowed
    reads: list[list] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)  # the names it may link: its own and those it imports


def module_names(tree: ast.Module, source: Source, text: str, also: Iterable[str] = ()) -> ModuleNames:
    """A module's `ModuleNames` from its tree; `also`: more names its scope may hold (another file of its module's)."""
    module = module_name(source)
    defined = [[d.name, d.line, d.summary] for d in _top_level(tree, module, source.url)]
    imports = [[_imported_module(node, source), alias.name, alias.asname]
               for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names]
    candidates = {name for name, _, _ in defined if "." not in name} | {alias or name for _, name, alias in imports}
    candidates.update(also)
    visitor = _Reads(candidates, text.splitlines(), _lines_naming(text, candidates))
    visitor.visit(tree)
    return ModuleNames(defined, imports, visitor.found, sorted(candidates))


def collect(documents: Iterable[_Readable]) -> Definitions:
    """
    Definitions and references of every Python document, from the names read
    with it (a bare document is parsed here; one that does not parse has none).
    """
    found = Definitions()
    modules: list[tuple[_Readable, ModuleNames]] = []
    for document in documents:
        if document.source.kind != "python":
            continue
        names = getattr(document, "names", None) or _parsed_names(document.source, document.text)
        if names is None:
            continue  # the page still renders; its names just do not link
        modules.append((document, names))
        module = module_name(document.source)
        for name, line, summary in names.defined:
            found.defined[(module, name)] = Definition(module, name, document.source.url, line, summary)
    own: dict[str, dict[str, Definition]] = {}  # a module's top-level definitions, in order, whichever of its files
    for (module, name), definition in found.defined.items():  # (`pkg.py`, `pkg/__init__.py`) defines them
        if "." not in name:
            own.setdefault(module, {})[name] = definition
    for document, names in modules:
        source = document.source
        missing = set(own.get(module_name(source), {})) - set(names.candidates)
        if missing:  # names another file of the module defines: its reads of them were not kept, so read again
            names = _parsed_names(source, document.text, missing) or names
        scope = _scope(names, own.get(module_name(source), {}), found.defined)
        found.scopes[source.url] = scope
        found.references[source.url] = list(_resolved(names.reads, scope, found.defined))
    return found


def _parsed_names(source: Source, text: str, also: Iterable[str] = ()) -> ModuleNames | None:
    try:
        return module_names(parse_tree(text), source, text, also)
    except PARSE_ERRORS:  # a `RecursionError` too: a tree that parses but nests deeper than our walk may go
        return None


def _resolved(reads: list[list], scope: dict[str, Definition],
              defined: dict[tuple[str, str], Definition]) -> Iterable[Reference]:
    """The reads that reach a definition, as references."""
    for line, column, text, kind, name in reads:
        target = scope.get(name)
        if target is None:
            continue
        if kind == "attribute":
            target = defined.get((target.module, f"{target.name}.{text}"))
        elif kind == "import" and target.name != text:
            target = None
        if target is not None:
            yield Reference(line, column, text, target)


def _summary(node: ast.AST) -> str:
    docstring = ast.get_docstring(node) if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) else None
    first = next((line.strip() for line in (docstring or "").splitlines() if line.strip()), "")
    # A heading's words, without Markdown: roles as their code, formulas as text (a tooltip shows no LaTeX)
    words = "".join(readable(token.tex) if token.kind == "math" else token.text
                    for token in tokenize(roles_as_code_spans(first)))
    return words.lstrip("#").strip().replace("`", "")


def _top_level(tree: ast.Module, module: str, url: PurePosixPath) -> Iterable[Definition]:
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            yield Definition(module, node.name, url, node.lineno, _summary(node))
            if isinstance(node, ast.ClassDef):
                for member in node.body:
                    if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        yield Definition(module, f"{node.name}.{member.name}", url, member.lineno, _summary(member))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name):
                    yield Definition(module, target.id, url, node.lineno, "")


def _imported_module(node: ast.ImportFrom, source: Source) -> str:
    if not node.level:
        return node.module or ""
    package = module_name(source).split(".")
    if PurePosixPath(source.path).name != "__init__.py":
        package = package[:-1]
    package = package[: len(package) - (node.level - 1)] if node.level > 1 else package
    return ".".join(package + ([node.module] if node.module else []))


def _scope(names: ModuleNames, own: dict[str, Definition],
           defined: dict[tuple[str, str], Definition]) -> dict[str, Definition]:
    """The names a module can use: its own top-level definitions and what it imports of documented ones."""
    scope = dict(own)
    for origin, name, alias in names.imports:
        if (origin, name) in defined:
            scope[alias or name] = defined[(origin, name)]
    return scope


def _bound(nodes: Iterable[ast.AST]) -> set[str]:
    """Names a function body or comprehension binds (its locals), without entering nested scopes."""
    names: set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
            continue  # nothing inside but its context
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Lambda):
            continue
        for field in node._fields:  # the children, as `ast.iter_child_nodes` finds them (the order does not matter)
            value = getattr(node, field, None)
            if isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)
    return names


class _Locals:
    """The names a scope binds, found only when a linkable name is read in it (most functions read none)."""

    def __init__(self, nodes: list[ast.AST]) -> None:
        self.nodes: list[ast.AST] = nodes
        self.names: set[str] | None = None

    def __contains__(self, name: str) -> bool:
        if self.names is None:
            self.names = _bound(self.nodes)
        return name in self.names


# Line ends as Python counts lines (a form feed, which `splitlines` also splits at, is not one)
_LINE_END = re.compile(r"\r\n?|\n")
_ASCII_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _lines_naming(text: str, candidates: set[str]) -> list[int]:
    """
    The numbers of the lines that may name a candidate: any that does (`*` of
    `import *` included), and any not ASCII (`ast` reads names normalised).
    """
    others = [name for name in candidates if not _ASCII_NAME.fullmatch(name)]
    return [number for number, line in enumerate(_LINE_END.split(text), 1)
            if not line.isascii() or not candidates.isdisjoint(_ASCII_NAME.findall(line))
            or any(name in line for name in others)]


class _Reads(ast.NodeVisitor):
    def __init__(self, candidates: set[str], lines: list[str], naming: list[int]) -> None:
        self.candidates = candidates
        self.lines = lines
        self.naming = naming  # sorted: see `_lines_naming`
        self.local: list[_Locals] = []
        self.found: list[list] = []

    def visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.stmt) and not self._may_read(node):
            return  # no name that may link is written in its lines
        visitor = _VISITORS.get(type(node))
        if visitor is None:
            self.generic_visit(node)
        else:
            visitor(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        """`ast.NodeVisitor`'s walk (each field in order), without its per-node name lookups."""
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST) and value._fields:  # `Load`, `Add`, …: nothing inside
                self.visit(value)

    def _may_read(self, statement: ast.stmt) -> bool:
        start = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", ())])
        end = statement.end_lineno or statement.lineno
        at = bisect_left(self.naming, start)
        return at < len(self.naming) and self.naming[at] <= end

    def _add(self, line: int, byte_column: int, text: str, kind: str, name: str) -> None:
        # `ast` counts columns in UTF-8 bytes; the page counts characters
        column = len(self.lines[line - 1].encode()[:byte_column].decode(errors="ignore"))
        self.found.append([line, column, text, kind, name])

    def _shadowed(self, name: str) -> bool:
        return any(name in names for names in self.local)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load) and node.id in self.candidates and not self._shadowed(node.id):
            self._add(node.lineno, node.col_offset, node.id, "name", node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.generic_visit(node)
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id in self.candidates and not self._shadowed(owner.id) \
                and node.end_lineno is not None and node.end_col_offset is not None:
            self._add(node.end_lineno, node.end_col_offset - len(node.attr.encode()), node.attr, "attribute", owner.id)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if (alias.asname or alias.name) in self.candidates and hasattr(alias, "lineno"):
                self._add(alias.lineno, alias.col_offset, alias.name, "import", alias.asname or alias.name)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        for decorator in getattr(node, "decorator_list", []):
            self.visit(decorator)
        arguments = node.args
        for default in arguments.defaults + [d for d in arguments.kw_defaults if d is not None]:
            self.visit(default)
        for arg in arguments.posonlyargs + arguments.args + arguments.kwonlyargs + [arguments.vararg, arguments.kwarg]:
            if arg is not None and arg.annotation is not None:
                self.visit(arg.annotation)
        if getattr(node, "returns", None) is not None:
            self.visit(node.returns)
        body = node.body if isinstance(node.body, list) else [node.body]
        self.local.append(_Locals([arguments, *body]))
        for statement in body:
            self.visit(statement)
        self.local.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def _comprehension(self, node: ast.AST) -> None:
        self.local.append(_Locals([generator.target for generator in node.generators]))
        self.generic_visit(node)
        self.local.pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension


# `_Reads.visit_X` by node type, looked up once
_VISITORS = {getattr(ast, name[len("visit_"):]): method for name, method in vars(_Reads).items()
             if name.startswith("visit_") and hasattr(ast, name[len("visit_"):])}
