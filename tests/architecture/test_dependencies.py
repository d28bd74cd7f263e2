"""The declared dependencies are exactly what the product imports, pinned.

Third-party modules imported anywhere in ``qbwc_service`` or ``magento_client`` must come
from a distribution listed in ``pyproject.toml``'s ``dependencies``; every listed
distribution must be imported, except the few the product needs at run time without an
import statement of its own (each named below with the reason).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = {"qbwc_service", "magento_client", "qbxml_templates"}
TYPE_CHECKERS_ONLY = {"_typeshed"}  # stubs a type checker provides; never imported at run time
# Needed at run time though nothing says ``import`` for them.
RUN_TIME_ONLY = {
    "psycopg": "SQLAlchemy loads it for postgresql+psycopg:// database URLs",
    "jinja2": "the console's templates are written in Jinja2; Flask renders them",
}


def _declared() -> dict[str, str]:
    """Normalised distribution name -> its requirement string."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {_normal(re.split(r"[\[=<>!~ ]", requirement)[0]): requirement
            for requirement in project["dependencies"]}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_top_levels() -> set[str]:
    names: set[str] = set()
    for package in ("qbwc_service", "magento_client"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return {name for name in names
            if name not in OURS | TYPE_CHECKERS_ONLY and name not in sys.stdlib_module_names
            and name != "__future__"}


def test_every_dependency_is_pinned() -> None:
    loose = [requirement for requirement in _declared().values() if "==" not in requirement]
    assert loose == []


def test_every_imported_module_comes_from_a_declared_distribution() -> None:
    distributions = packages_distributions()
    declared = _declared()
    undeclared = {module: distributions.get(module) for module in _imported_top_levels()
                  if not any(_normal(d) in declared for d in distributions.get(module, []))}
    assert undeclared == {}


def test_every_declared_distribution_is_imported_or_needed_at_run_time() -> None:
    distributions = packages_distributions()
    imported = {_normal(distribution) for module in _imported_top_levels()
                for distribution in distributions.get(module, [])}
    unused = sorted(set(_declared()) - imported - set(RUN_TIME_ONLY))
    assert unused == []
