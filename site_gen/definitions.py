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
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Callable, Iterable, Protocol

from .files import relative_url
from .model import Source
from .navigation import Link


class _Readable(Protocol):
    source: Source
    text: str


@dataclass(frozen=True)
class Definition:
    module: str
    name: str  # `Adam`, `Adam.step_param`, `CONSTANT`
    url: PurePosixPath  # the page that defines it
    line: int
    summary: str  # the first line of its docstring


@dataclass(frozen=True)
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

    def fingerprint(self) -> str:
        """Everything a page shows of other pages' definitions, for cache keys."""
        return repr(sorted((d.module, d.name, str(d.url), d.line, d.summary, [str(u) for u in self.users(d)])
                           for d in self.defined.values()))

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
        names = {}
        for name, d in self.scopes.get(url, {}).items():
            names[name] = target(d)
            for (module, qualified), member in self.defined.items():  # `Adam.step_param`
                if module == d.module and qualified.startswith(f"{d.name}."):
                    names[name + qualified[len(d.name):]] = target(member)
        def link(user: PurePosixPath) -> Link:
            text, lang = title(user)
            return Link(text, relative_url(language / user, page), lang=lang)

        used = {d.line: dict(name=d.name, pages=[link(u) for u in self.users(d)])
                for d in self.defined.values() if d.url == url}
        return dict(
            script=dict(refs=refs, names=names,
                        targets=[[relative_url(language / d.url, page) + f"#L{d.line}", d.summary] for d in targets]),
            used={line: use for line, use in used.items() if use["pages"]},
        )


def module_name(source: Source) -> str:
    parts = PurePosixPath(source.path).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def collect(documents: Iterable[_Readable]) -> Definitions:
    """Definitions and references of every Python document (one that does not parse has none)."""
    found = Definitions()
    trees = []
    for document in documents:
        if document.source.kind != "python":
            continue
        try:
            tree = ast.parse(document.text)
        except (SyntaxError, ValueError):
            continue  # the page still renders; its names just do not link
        trees.append((document.source, tree, document.text.splitlines()))
        module = module_name(document.source)
        for definition in _top_level(tree, module, document.source.url):
            found.defined[(definition.module, definition.name)] = definition
    for source, tree, lines in trees:
        scope = _scope(tree, source, found.defined)
        found.scopes[source.url] = scope
        visitor = _References(scope, found.defined, lines)
        visitor.visit(tree)
        found.references[source.url] = visitor.found
    return found


def _summary(node: ast.AST) -> str:
    docstring = ast.get_docstring(node) if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) else None
    first = next((line.strip() for line in (docstring or "").splitlines() if line.strip()), "")
    return first.lstrip("#").strip().replace("`", "")  # a heading's words, without Markdown


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


def _scope(tree: ast.Module, source: Source, defined: dict[tuple[str, str], Definition]) -> dict[str, Definition]:
    """The names a module can use: its own top-level definitions and what it imports of documented ones."""
    module = module_name(source)
    scope = {name: d for (m, name), d in defined.items() if m == module and "." not in name}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            origin = _imported_module(node, source)
            for alias in node.names:
                if (origin, alias.name) in defined:
                    scope[alias.asname or alias.name] = defined[(origin, alias.name)]
    return scope


def _bound(nodes: Iterable[ast.AST]) -> set[str]:
    """Names a function body or comprehension binds (its locals), without entering nested scopes."""
    names: set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Lambda):
            continue
        stack.extend(ast.iter_child_nodes(node))
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


class _References(ast.NodeVisitor):
    def __init__(self, scope: dict[str, Definition], defined: dict[tuple[str, str], Definition], lines: list[str]) -> None:
        self.scope = scope
        self.defined = defined
        self.lines = lines
        self.local: list[_Locals] = []
        self.found: list[Reference] = []

    def _add(self, line: int, byte_column: int, text: str, target: Definition) -> None:
        # `ast` counts columns in UTF-8 bytes; the page counts characters
        column = len(self.lines[line - 1].encode()[:byte_column].decode(errors="ignore"))
        self.found.append(Reference(line, column, text, target))

    def _shadowed(self, name: str) -> bool:
        return any(name in names for names in self.local)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load) and node.id in self.scope and not self._shadowed(node.id):
            self._add(node.lineno, node.col_offset, node.id, self.scope[node.id])

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.generic_visit(node)
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id in self.scope and not self._shadowed(owner.id):
            cls = self.scope[owner.id]
            method = self.defined.get((cls.module, f"{cls.name}.{node.attr}"))
            if method is not None and node.end_lineno is not None and node.end_col_offset is not None:
                self._add(node.end_lineno, node.end_col_offset - len(node.attr.encode()), node.attr, method)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            target = self.scope.get(alias.asname or alias.name)
            if target is not None and target.name == alias.name and hasattr(alias, "lineno"):
                self._add(alias.lineno, alias.col_offset, alias.name, target)

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
