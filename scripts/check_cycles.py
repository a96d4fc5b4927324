"""Fail, naming the cycle, if modules of bot/, handlers/ or storage/ import each other in a circle.

import-linter's contracts forbid imports between chosen packages; a cycle inside one package
(bot.notices.engine <-> bot.services) passes them, so this check looks at every module.
Imports under `if TYPE_CHECKING:` count: a cycle that only the type checker follows still ties
the two modules together (the two-step start it forced is what the layout review removes).
Run by ./scripts/test; exit code 1 and one block per cycle when there is any, 0 otherwise.
"""

from __future__ import annotations

import itertools
import sys
from collections import deque
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage")


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        # Iterative depth-first search: (module, the imports of it still to visit).
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            module, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    imported = graph.find_modules_directly_imported_by(target)
                    work.append((target, iter(sorted(imported))))
                elif target in on_stack:
                    low[module] = min(low[module], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def shortest_cycle(graph: grimp.ImportGraph, component: list[str]) -> list[str]:
    """One shortest import path from the component's first module back to itself."""
    start = component[0]
    members = set(component)
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        for target in sorted(graph.find_modules_directly_imported_by(module) & members):
            if target == start:
                path = [module]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if target not in previous:
                previous[target] = module
                queue.append(target)
    raise AssertionError(f"no cycle through {start}")


def source(module: str) -> str:
    """The file of a module, relative to the project root."""
    path = Path(*module.split("."))
    return str(path / "__init__.py") if (ROOT / path).is_dir() else f"{path}.py"


def describe(graph: grimp.ImportGraph, runtime: grimp.ImportGraph, path: list[str]) -> list[str]:
    """One line per import of the cycle: where it is, and whether only type checkers follow it."""
    lines = []
    for importer, imported in itertools.pairwise(path):
        for detail in graph.get_import_details(importer=importer, imported=imported)[:1]:
            where = f"{source(importer)}:{detail['line_number']}"
            only_types = not runtime.direct_import_exists(importer=importer, imported=imported)
            note = "  (under TYPE_CHECKING)" if only_types else ""
            lines.append(f"    {where}: {detail['line_contents'].strip()}{note}")
    return lines


def main() -> int:
    """Print every import cycle among the project's modules; 1 if there is one."""
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    runtime = grimp.build_graph(*PACKAGES, cache_dir=None, exclude_type_checking_imports=True)
    found = cycles(graph)
    if not found:
        print(f"no import cycles among the {len(graph.modules)} modules of {', '.join(PACKAGES)}")
        return 0
    for component in found:
        path = shortest_cycle(graph, component)
        print(f"import cycle: {' -> '.join(path)}", file=sys.stderr)
        for line in describe(graph, runtime, path):
            print(line, file=sys.stderr)
        if len(component) > len(path) - 1:
            print(f"  (the circle holds {len(component)} modules: {', '.join(component)})",
                  file=sys.stderr)  # fmt: skip
    print(f"{len(found)} import cycle(s) among {', '.join(PACKAGES)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
