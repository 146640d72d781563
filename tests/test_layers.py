"""Imports run downwards: bot > scheduler > handlers > models, read from the source with `ast`, so that an import
inside a function or under TYPE_CHECKING counts as much as one at the top of a module."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("bot", "scheduler", "handlers", "models")  # top first: each may import itself and the layers below it
TOOLS = ("tests", "bench")  # above every layer: they may import any layer, and no layer imports them
OURS = (*LAYERS, *TOOLS, "migrations")
# models' feature packages, bottom first: each may import itself and those before it, never one after it, so that
# no two features import each other, directly or through others. A lower feature that must set off something in a
# higher one leaves it to the higher one (or to its caller) rather than importing it.
FEATURES = ("core", "members", "team", "points", "analytics", "offers", "till", "campaigns", "membership")


@dataclass(frozen=True)
class Import:
    """One imported name: `from a.b import c` is `a.b.c`, whether c is a module or something defined in a.b."""

    path: str  # of the importing file, from the project root
    line: int
    source: str  # the importing module
    target: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.source} imports {self.target}"

    def targets(self, module: str) -> bool:
        return self.target == module or self.target.startswith(f"{module}.")


def top(module: str) -> str:
    return module.split(".")[0]


def feature(module: str) -> str | None:
    """The models package a module belongs to (`models.points.ledger` -> `points`), if any."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "models" and parts[1] in FEATURES else None


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_in(path: Path) -> Iterator[Import]:
    source = module_of(path)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    shown = str(path.relative_to(ROOT))
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=shown)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(shown, node.lineno, source, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                anchor = package.rsplit(".", node.level - 1)[0]
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                yield Import(shown, node.lineno, source, f"{base}.{alias.name}")


@cache
def all_imports() -> tuple[Import, ...]:
    files = sorted(path for folder in (*LAYERS, *TOOLS) for path in (ROOT / folder).rglob("*.py"))
    return tuple(found for path in files for found in imports_in(path))


def report(imports: Iterable[Import], limit: int = 5) -> str:
    """The first few import sites, one a line: enough to find the offending code."""
    lines = sorted({str(found) for found in imports})
    more = [f"... and {len(lines) - limit} more"] if len(lines) > limit else []
    return "\n".join(["  " + line for line in lines[:limit]] + more)


class TestLayers:
    def test_the_scan_sees_every_package(self) -> None:
        scanned = {top(found.source) for found in all_imports()}
        assert scanned == {*LAYERS, *TOOLS}, "a package was not scanned: the checks below would pass vacuously"

    def test_no_layer_imports_a_higher_one(self) -> None:
        upward = [
            found
            for found in all_imports()
            if top(found.source) in LAYERS
            and top(found.target) in (*LAYERS, *TOOLS)
            and (top(found.target) in TOOLS or LAYERS.index(top(found.target)) < LAYERS.index(top(found.source)))
        ]
        assert not upward, (
            f"layers run {' > '.join(LAYERS)}, with {' and '.join(TOOLS)} above them all; "
            f"these import upwards:\n{report(upward)}"
        )

    def test_models_import_no_aiogram_and_nothing_of_ours_but_models(self) -> None:
        outside = [
            found
            for found in all_imports()
            if top(found.source) == "models" and top(found.target) in {"aiogram", *OURS} - {"models"}
        ]
        assert not outside, f"the domain knows nothing of Telegram or of the layers above it:\n{report(outside)}"

    def test_no_two_packages_import_each_other(self) -> None:
        by_pair: dict[tuple[str, str], list[Import]] = defaultdict(list)
        for found in all_imports():
            if top(found.target) in OURS and top(found.target) != top(found.source):
                by_pair[top(found.source), top(found.target)].append(found)
        loops = [
            f"{a} <-> {b}:\n{report(by_pair[a, b])}\n{report(by_pair[b, a])}"
            for a, b in sorted(by_pair)
            if a < b and (b, a) in by_pair
        ]
        assert not loops, "packages importing each other:\n" + "\n".join(loops)

    def test_every_models_package_has_a_place_among_the_features(self) -> None:
        packages = {path.parent.name for path in (ROOT / "models").glob("*/__init__.py")}
        assert packages == set(FEATURES), f"FEATURES must list every package in models/ once: {sorted(packages)}"

    def test_models_features_import_only_lower_ones(self) -> None:
        by_edge: dict[tuple[str, str], list[Import]] = defaultdict(list)
        for found in all_imports():
            here, there = feature(found.source), feature(found.target)
            if here and there and FEATURES.index(there) > FEATURES.index(here):
                by_edge[here, there].append(found)
        assert not by_edge, f"models' features run {' < '.join(FEATURES)}; these import a higher one:\n" + "\n".join(
            f"{a} -> {b}:\n{report(by_edge[a, b])}" for a, b in sorted(by_edge)
        )

    def test_nothing_imports_conftest(self) -> None:
        importers = sorted(found.path for found in all_imports() if found.targets("tests.conftest"))
        assert not importers, f"conftest is pytest's; import shared helpers from tests/support instead: {importers}"
