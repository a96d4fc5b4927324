"""scripts/check_cycles.py finds every circle of imports and names one shortest path round it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import grimp

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_cycles.py"


def load() -> ModuleType:
    """The script as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("check_cycles", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def graph(*edges: tuple[str, str]) -> grimp.ImportGraph:
    """An import graph with these (importer, imported) pairs."""
    built = grimp.ImportGraph()
    for importer, imported in edges:
        built.add_import(importer=importer, imported=imported, line_number=1, line_contents="")
    return built


def test_no_cycle_in_a_layered_graph() -> None:
    check = load()
    assert check.cycles(graph(("h.a", "b.x"), ("b.x", "s.y"), ("h.a", "s.y"))) == []


def test_every_circle_is_found_with_a_shortest_path() -> None:
    check = load()
    imports = graph(
        ("b.engine", "b.services"), ("b.services", "b.engine"),  # a pair
        ("h.a", "h.b"), ("h.b", "h.c"), ("h.c", "h.a"), ("h.c", "h.b"),  # three, two ways
        ("h.a", "s.free"),
    )  # fmt: skip
    found = check.cycles(imports)
    assert found == [["b.engine", "b.services"], ["h.a", "h.b", "h.c"]]
    assert check.shortest_cycle(imports, found[0]) == ["b.engine", "b.services", "b.engine"]
    assert check.shortest_cycle(imports, found[1]) == ["h.a", "h.b", "h.c", "h.a"]
