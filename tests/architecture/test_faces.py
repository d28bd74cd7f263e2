"""The command line and the console are thin adapters: small modules over use cases.

The SQL half of the rule is the import contract "the command line and the console run no
query of their own" (`.importlinter`, checked by `make check` and by test_contracts.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "qbwc_service"
FACES = sorted([*(PACKAGE / "commands").glob("*.py"), *(PACKAGE / "web").glob("*.py")])
MAX_LINES = 150


@pytest.mark.parametrize("module", FACES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_each_face_module_is_small(module: Path) -> None:
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, (
        f"{module.name} has {lines} lines: move its decisions into a use case under services/")


def test_the_faces_are_found() -> None:
    assert len(FACES) > 20
