"""The parts of mimeo import only what ARCHITECTURE.md's table says they may.

Every ``import`` statement of every module under ``src/mimeo`` counts — at module level, inside a
function, or behind ``TYPE_CHECKING`` — because each is a dependency all the same.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "mimeo"

EVERYTHING_BELOW_API = frozenset(
    {"core", "store", "queue", "events", "runtime", "storage", "webhooks", "billing", "settings"}
)
MAY_IMPORT: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "store": frozenset({"core"}),
    "queue": frozenset({"core", "store"}),
    "events": frozenset({"core"}),
    "runtime": frozenset({"core"}),
    "worker": frozenset({"core", "runtime"}),
    "storage": frozenset({"core"}),
    "webhooks": frozenset({"core", "store"}),
    "billing": frozenset({"core", "store"}),
    "settings": frozenset({"core"}),
    "api": EVERYTHING_BELOW_API | {"web"},
    "web": frozenset(),
    "cli": EVERYTHING_BELOW_API | {"api", "worker"},
    "__main__": frozenset({"cli"}),
}
"""Each part's row of the table; a part may always import itself. ``settings`` is read at the
CLI edge and handed to the API, so both may import it; it takes its defaults from ``core``."""


def part_of(module: str) -> str:
    """``mimeo.store.tables`` belongs to ``store``; ``mimeo.settings`` is a part of its own."""
    return module.split(".")[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, relative imports resolved."""
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                names.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                names.add(node.module)
    return names


@cache
def imports_by_part() -> dict[str, dict[str, set[str]]]:
    """``{part: {imported part: {importing module, ...}}}`` over the whole source tree."""
    found: dict[str, dict[str, set[str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "__init__.py":
            continue
        importer = module_name(path)
        edges = found.setdefault(part_of(importer), {})
        for name in imported_modules(path):
            if name.startswith("mimeo.") and part_of(name) != part_of(importer):
                edges.setdefault(part_of(name), set()).add(importer)
    return found


def test_the_scanner_sees_the_dependencies_that_are_there() -> None:
    assert "mimeo.queue.claims" in imports_by_part()["queue"]["store"]


def test_every_part_has_a_row_in_the_table() -> None:
    assert set(imports_by_part()) <= set(MAY_IMPORT)


@pytest.mark.parametrize("part", sorted(MAY_IMPORT))
def test_a_part_imports_only_what_the_architecture_allows(part: str) -> None:
    forbidden = {
        imported: sorted(importers)
        for imported, importers in imports_by_part().get(part, {}).items()
        if imported not in MAY_IMPORT[part]
    }

    assert forbidden == {}, f"{part} imports parts it may not (part: importing modules)"


@pytest.mark.parametrize(
    ("part", "never"),
    [
        ("core", "store"),
        ("worker", "store"),
        ("worker", "queue"),
        ("worker", "api"),
        ("runtime", "api"),
        ("runtime", "store"),
        ("runtime", "queue"),
        ("store", "api"),
        ("store", "worker"),
        ("api", "worker"),
        ("webhooks", "api"),
        ("webhooks", "queue"),
    ],
)
def test_the_rules_that_keep_the_layers_apart_are_in_the_table(part: str, never: str) -> None:
    assert never not in MAY_IMPORT[part]
