"""Fixtures for the qbXML tests: XSD validators when the reference schemas are present."""

from __future__ import annotations

from pathlib import Path

import pytest

from qbwc_service.qbxml import XsdValidator, load_validator
from tests.conftest import reference_path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "qbxml"


@pytest.fixture(scope="session")
def xsd_dir() -> Path:
    return reference_path("qbxml", "xsd")


@pytest.fixture(scope="session", params=["13.0", "16.0"])
def xsd(request: pytest.FixtureRequest, xsd_dir: Path) -> XsdValidator:
    validator = load_validator(str(xsd_dir), request.param)
    assert validator is not None
    return validator


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")
