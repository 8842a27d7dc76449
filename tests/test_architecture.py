"""The shape of cxlib: no import cycles (imports inside functions count), small modules."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import cxlib

PACKAGE = Path(cxlib.__file__).resolve().parent
#: Modules allowed over MAX_LINES, with the reason (also in the README).
LONG_MODULES = {
    "demo/utility.py": "one demo client's generator: planted effects documented in one place",
}
MAX_LINES = 700


def module_names() -> dict[str, Path]:
    """Every module of cxlib by dotted name (a package by its own name)."""
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_graph() -> dict[str, set[str]]:
    """Module -> the cxlib modules it imports, anywhere in its code.

    Imports under ``if TYPE_CHECKING:`` are left out: they never run.
    ``from pkg import name`` counts as an import of ``pkg.name`` when that is
    a module, else of ``pkg``.
    """
    modules = module_names()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        todo: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
        while todo:
            node = todo.pop()
            if isinstance(node, ast.If) and _type_checking_only(node):
                todo.extend(node.orelse)
                continue
            todo.extend(ast.iter_child_nodes(node))
            if isinstance(node, ast.Import):
                graph[name].update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join([*base, node.module] if node.module else base)
                else:
                    source = node.module or ""
                for alias in node.names:
                    target = f"{source}.{alias.name}"
                    if target in modules:
                        graph[name].add(target)
                    elif source in modules:
                        graph[name].add(source)
        graph[name].discard(name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_imports_inside_functions_and_skips_type_checking() -> None:
    graph = import_graph()
    # cxlib.cli imports the runner inside its command functions
    assert "cxlib.runner.run" in graph["cxlib.cli"]


def test_cxlib_has_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_no_module_outside_demo_is_over_700_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert set(long) <= set(LONG_MODULES), long


def _package(module: str) -> str:
    """The concern a module belongs to: its subpackage, or itself for a top-level module."""
    parts = module.split(".")
    return parts[1] if len(parts) >= 2 else module


def _signature_has_any(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True when a parameter (not ``*args``/``**kwargs``) or the return is annotated with Any."""
    args = function.args
    annotations = [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    annotations.append(function.returns)
    return any(a is not None and "Any" in ast.unparse(a) for a in annotations)


def _public_functions(tree: ast.Module) -> dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Top-level functions, and the public methods of top-level classes, by the imported name."""
    found: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = [node]
        elif isinstance(node, ast.ClassDef):
            found[node.name] = [
                item
                for item in node.body
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                and (not item.name.startswith("_") or item.name == "__init__")
            ]
    return found


def any_on_seams() -> list[str]:
    """Functions used from another package whose signature says ``Any``.

    A use is ``from cxlib.a.b import f`` or ``from cxlib.a import b`` then
    ``b.f`` in a module of another package; for a class, its public methods.
    """
    modules = module_names()
    trees = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in modules.items()}
    functions = {name: _public_functions(tree) for name, tree in trees.items()}
    found = set()
    for user, tree in trees.items():
        used: list[tuple[str, str]] = []
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    if target in modules and _package(target) != _package(user):
                        aliases[alias.asname or alias.name] = target
                    elif node.module in modules and _package(node.module) != _package(user):
                        used.append((node.module, alias.name))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
            ):
                used.append((aliases[node.value.id], node.attr))
        for module, name in used:
            for function in functions[module].get(name, []):
                if _signature_has_any(function):
                    found.add(f"{module}.{name} ({function.name}, used by {user})")
    return sorted(found)


def test_the_seam_check_sees_any_in_a_signature() -> None:
    tree = ast.parse("def f(x: Any, *args: Any) -> int: ...\ndef g(*args: Any) -> int: ...")
    f, g = tree.body
    assert _signature_has_any(f) and not _signature_has_any(g)


def test_no_any_in_signatures_between_packages() -> None:
    assert any_on_seams() == []


#: Modules no test imports directly, and what tests them instead.
TESTED_THROUGH = {
    "cxlib.demo.__main__": "`python -m cxlib.demo`, the same code as `cxwb demo-data` (test_demo)",
    "cxlib.demo.craft": "cxlib.demo.generate, byte for byte against data/ (test_demo)",
    "cxlib.demo.maturity": "cxlib.demo.generate, byte for byte against data/ (test_demo)",
    "cxlib.demo.retail": "cxlib.demo.generate, byte for byte against data/ (test_demo)",
    "cxlib.survival.html_tables": "the churn section's table blocks (test_survival_section)",
    "cxlib.workshop.answers": "the store's public API (test_workshop_store)",
    "cxlib.workshop.errors": "the store's public API (test_workshop_store)",
    "cxlib.workshop.inputs": "the store's public API (test_workshop_store)",
    "cxlib.workshop.yaml_edit": "the store's public API (test_workshop_store)",
    "cxlib.workshop.lab_server": "a real JupyterLab through cxwb workshop (test_workshop_server)",
    "cxlib.workshop.launch": "a real JupyterLab through cxwb workshop (test_workshop_server)",
    "cxlib.workshop.notebook": "a real JupyterLab through cxwb workshop (test_workshop_server)",
}


def _imported_by_tests() -> set[str]:
    names: set[str] = set()
    for path in Path(__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
    return names


def test_every_module_has_direct_tests_or_says_what_tests_it() -> None:
    modules = {name for name, path in module_names().items() if path.name != "__init__.py"}
    untested = modules - _imported_by_tests()
    assert untested <= set(TESTED_THROUGH), sorted(untested - set(TESTED_THROUGH))
    assert set(TESTED_THROUGH) <= modules, "a module in TESTED_THROUGH no longer exists"
