"""The layers hold on every run: no import cycle between modules, and no import running up the
layers. Read from the source with `ast` (nothing is imported), so every import counts: at the top,
inside a function, or under `TYPE_CHECKING`.

Each package may import only the packages below it (`MAY_IMPORT`); nothing but `bot` itself (and the
tests and benchmarks, which drive the whole app) imports `bot`. `nlp` imports only `datafiles`, so
it works without the database libraries (tests/nlp/test_without_database.py).
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What each of our top-level packages may import, besides itself.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "datafiles": frozenset(),
    "storage": frozenset(),
    "nlp": frozenset({"datafiles"}),
    "recommender": frozenset({"datafiles", "nlp", "storage"}),
    "research": frozenset({"datafiles", "storage", "nlp", "recommender"}),
    "bot": frozenset({"datafiles", "storage", "nlp", "recommender", "research"}),
    "deploy": frozenset({"datafiles", "storage", "nlp", "recommender"}),
}
# Not checked: `tests` and `benchmarks`, which drive the whole app from outside and may import
# anything (nothing of the packages above imports them: they are not in the graph).

# Known upward edges, each to be removed: none since issue 20's moves (the list stays, so that a
# temporary exception is written down and the next test below notices when it is gone).
KNOWN_UPWARD: frozenset[tuple[str, str]] = frozenset()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def our_modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for top in MAY_IMPORT:
        for path in sorted((ROOT / top).rglob("*.py")) if (ROOT / top).is_dir() else ():
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The modules of ours that `name` imports (the most specific module each import names)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            resolved = _resolve(target, known)
            if resolved is not None and resolved != name:
                yield resolved
                if isinstance(node, ast.ImportFrom):
                    break  # `from a.b import c`: the submodule a.b.c if it exists, else a.b


def _resolve(target: str, known: dict[str, Path]) -> str | None:
    parts = target.split(".")
    while parts:
        if ".".join(parts) in known:
            return ".".join(parts)
        parts.pop()
    return None


@cache
def import_graph() -> dict[str, frozenset[str]]:
    known = our_modules()
    return {name: frozenset(imports_of(name, path, known)) for name, path in known.items()}


def test_no_import_runs_up_the_layers() -> None:
    wrong = []
    for module, imported in import_graph().items():
        top = module.split(".")[0]
        for target in imported:
            other = target.split(".")[0]
            allowed = other == top or other in MAY_IMPORT[top]
            if not allowed and (module, target) not in KNOWN_UPWARD:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(wrong))


def test_the_known_upward_imports_still_exist() -> None:
    """An entry of the allow-list that is gone must leave the list, so it cannot hide a new one."""
    graph = import_graph()
    stale = [f"{a} -> {b}" for a, b in KNOWN_UPWARD if b not in graph.get(a, frozenset())]
    assert not stale, "remove from KNOWN_UPWARD: " + ", ".join(sorted(stale))


def test_no_import_cycle_between_modules() -> None:
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def find_cycles(graph: Mapping[str, Collection[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan's)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_checker_finds_a_cycle_and_an_upward_import() -> None:
    """The checks above can fail: a made-up graph with a cycle is caught."""
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []
