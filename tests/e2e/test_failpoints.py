"""Failpoints: parsing the specification, firing on the right hit, dying for real."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from qbwc_service.failpoints import ENV_VARIABLE, Failpoint, Failpoints, FailpointSpecError


def _recorder(spec: str) -> tuple[Failpoints, list[str]]:
    fired: list[str] = []
    return Failpoints.parse(spec, kill=lambda: fired.append("kill")), fired


def test_parse_reads_several_points_and_hit_numbers() -> None:
    """`a=kill,b=kill@3` gives an every-hit point and a third-hit point."""
    points, _fired = _recorder(" a=kill , b=kill@3 ")
    assert points.points == {"a": Failpoint("a", "kill"), "b": Failpoint("b", "kill", 3)}


@pytest.mark.parametrize("spec", ["a", "=kill", "a=explode", "a=kill@0", "a=kill@x"])
def test_parse_refuses_a_bad_specification(spec: str) -> None:
    """Malformed parts, unknown actions and non-positive hit numbers are refused."""
    with pytest.raises(FailpointSpecError) as refused:
        Failpoints.parse(spec)
    assert refused.value.spec == spec.strip()


def test_a_point_fires_only_on_its_hit_number() -> None:
    """kill@2 does nothing on the first hit, fires on the second, and never again."""
    points, fired = _recorder("p=kill@2")
    points.hit("p")
    assert fired == []
    points.hit("p")
    assert fired == ["kill"]
    points.hit("p")
    assert fired == ["kill"]


def test_unnamed_points_are_ignored() -> None:
    """Hitting a point the specification does not name does nothing."""
    points, fired = _recorder("p=kill")
    points.hit("other")
    assert fired == [] and points.hits == {"p": 0}


def test_the_environment_variable_makes_the_process_die_by_sigkill() -> None:
    """With the variable set, reaching the point SIGKILLs the process (read at import)."""
    script = ("from qbwc_service.failpoints import failpoint\n"
              "failpoint('x.before')\nprint('alive', flush=True)\nfailpoint('x.point')\n"
              "print('survived', flush=True)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={ENV_VARIABLE: "x.point=kill", "PATH": ""}, timeout=60,
                          check=False)
    assert done.returncode == -signal.SIGKILL
    assert done.stdout.split() == ["alive"]


def test_without_the_variable_failpoints_do_nothing() -> None:
    """Unset, every failpoint call is a no-op and the process runs to the end."""
    script = "from qbwc_service.failpoints import failpoint\nfailpoint('x.point')\nprint('ok')\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={"PATH": ""}, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok"
