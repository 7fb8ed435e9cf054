"""The layering rules, read from the source: no import cycle between sracl's packages and top-level modules,
training does not use a stage module of evaluation, retrieval and objectives do not reach into the embed
stage's package, and no built-in plugin imports another plugin's module.

Imports inside functions count (they run); imports under `if TYPE_CHECKING:` do not (they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "sracl_cli"


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.AST) -> set[str]:
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name.startswith("sracl_cli")}


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
IMPORTS = {
    name: {target for target in _runtime_imports(ast.parse(path.read_text())) if target in MODULES}
    for name, path in MODULES.items()
}


def _node(module: str) -> str:
    """A subpackage (sracl_cli.training) or a top-level module (sracl_cli.recipe): the unit of layering."""
    return ".".join(module.split(".")[:2])


def _node_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, targets in IMPORTS.items():
        edges = graph.setdefault(_node(module), set())
        edges.update(_node(t) for t in targets if _node(t) != _node(module))
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, state = [], {}

    def walk(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                walk(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            walk(node, [node])
    return cycles


def test_no_import_cycle_between_packages_and_top_level_modules():
    assert _cycles(_node_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_training_does_not_import_an_evaluation_stage_module():
    users = [m for m, targets in IMPORTS.items() if m.startswith("sracl_cli.training")
             and any(t.startswith("sracl_cli.evaluation.stage") for t in targets)
             and m != "sracl_cli.training.stage"]
    assert users == []


def test_retrieval_and_objectives_do_not_import_the_semantic_package():
    users = {m: sorted(t for t in targets if t.startswith("sracl_cli.semantic"))
             for m, targets in IMPORTS.items() if m.startswith(("sracl_cli.retrieval", "sracl_cli.objectives"))}
    assert {m: t for m, t in users.items() if t} == {}


def test_no_builtin_plugin_imports_another_plugins_module():
    entry_points = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]
    plugin_modules = {target.split(":")[0] for group in entry_points.values() for target in group.values()}
    crossing = {m: sorted(t for t in IMPORTS[m] if t in plugin_modules and t != m) for m in plugin_modules}
    assert {m: t for m, t in crossing.items() if t} == {}
