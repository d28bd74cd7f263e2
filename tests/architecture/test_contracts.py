"""The import contracts in `.importlinter` hold, and a broken one makes the check fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(cwd: Path, *, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_project_keeps_every_contract() -> None:
    """Every arrow of ARCHITECTURE.md holds in the code as it is."""
    result = _lint_imports(ROOT, pythonpath=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_forbidden_import_breaks_the_check(tmp_path: Path) -> None:
    """A Magento client module that imports the service, production code reaching the
    sandbox, a console page with SQL and a command pulling past its use case each fail
    `make check`."""
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "qbwc_service", tree / "qbwc_service",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "magento_client", tree / "magento_client",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tree / ".importlinter")
    (tree / "magento_client" / "leak.py").write_text(
        "from qbwc_service.queue import lifecycle  # the arrow pointing the wrong way\n")
    (tree / "qbwc_service" / "queue" / "peek.py").write_text(
        "from qbwc_service.sandbox import quickbooks  # production reaching the sandbox\n")
    (tree / "qbwc_service" / "web" / "peek.py").write_text(
        "from sqlalchemy import select  # a console page with a query of its own\n")
    (tree / "qbwc_service" / "commands" / "peek.py").write_text(
        "from qbwc_service.sync.runner import pull_and_enqueue  # a pull past its use case\n")
    (tree / "qbwc_service" / "web" / "glance.py").write_text(
        "from qbwc_service.sync.config import company_table  # settings past the use cases\n")

    result = _lint_imports(tree, pythonpath=tree)

    assert result.returncode != 0
    assert "magento_client knows nothing of QuickBooks or the service BROKEN" in result.stdout
    assert "the queue reaches neither the sync, the handlers nor the faces BROKEN" \
        in result.stdout
    assert "magento_client.leak -> qbwc_service.queue.lifecycle" in result.stdout
    assert "the command line and the console run no query of their own BROKEN" \
        in result.stdout
    assert "the command line and the console reach the sync only through the use cases " \
        "BROKEN" in result.stdout
    assert "qbwc_service.commands.peek -> qbwc_service.sync.runner" in result.stdout
    assert "qbwc_service.web.glance -> qbwc_service.sync.config" in result.stdout
