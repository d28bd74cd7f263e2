"""The README's set-up section works when pasted into a fresh shell after `make install`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]


def _setup_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Set up a company file\n")
    section = readme[start:readme.index("\n## ", start + 1)]
    return [re.sub(r"^ {3}", "", block, flags=re.MULTILINE)
            for block in re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)]


@pytest.mark.xfail(os.name != "posix", strict=True,
                   reason="the set-up section is written for a POSIX shell; Windows "
                          "installs follow deploy/windows")
def test_setup_section_runs_in_a_fresh_shell(tmp_path: Path) -> None:
    """Every sh block of the section, in order, in one `sh -e` from a clean environment."""
    # `make test` creates .venv before the tests run: without it the set-up is broken.
    assert (ROOT / ".venv" / "bin" / "activate").is_file(), "run the tests with `make test`"
    assert shutil.which("sh"), "a POSIX shell is needed"
    blocks = _setup_blocks()
    assert len(blocks) >= 6
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    env = {key: value for key, value in os.environ.items()
           if key in ("HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "LOGNAME")}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    script = "set -e\n" + "\n".join(blocks)
    done = subprocess.run(["sh", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "Polling interval:     every 30 min" in done.stdout
    qwc = etree.parse(str(tmp_path / "smith.qwc")).getroot()
    assert qwc.findtext("UserName") == "smith-qbwc"
    assert qwc.findtext("AppURL") == "http://localhost:8000/qbwc"
    assert oct((tmp_path / "data" / "config.toml").stat().st_mode & 0o777) == "0o600"
