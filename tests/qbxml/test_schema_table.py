"""The committed order table and templates match Intuit's XSD and annotations."""

from __future__ import annotations

import json

from qbwc_service.qbxml.schema import templates_root
from qbwc_service.qbxml.schemagen import OPERATIONS, derive_table, skeleton_text
from tests.conftest import reference_path


def test_committed_table_matches_xsd() -> None:
    """Re-deriving the table from the 13.0 XSD and 14.0 annotations gives the committed data."""
    reference = reference_path("qbxml")
    derived = derive_table(
        reference / "xsd" / "13.0", reference / "qbxmlops140_intuit_sample_data.xml"
    )
    committed = json.loads(templates_root().joinpath("schema.json").read_text(encoding="utf-8"))
    assert committed["operations"] == json.loads(json.dumps(derived["operations"]))


def test_committed_skeletons_match_table() -> None:
    """Each packaged template file is the skeleton of its table entry."""
    table = json.loads(templates_root().joinpath("schema.json").read_text(encoding="utf-8"))
    for operation in OPERATIONS:
        text = templates_root().joinpath(f"{operation}.xml").read_text(encoding="utf-8")
        assert text == skeleton_text(operation, table["operations"][operation]), operation


def test_table_knows_versions_and_editions() -> None:
    """Annotations carry the version that introduced site fields and the US-only ItemSitesQuery."""
    table = json.loads(templates_root().joinpath("schema.json").read_text(encoding="utf-8"))
    sites = table["operations"]["ItemSitesQuery"]
    assert sites["v"] == "10.0" and "QBCA" in sites["not_in"]
    text = json.dumps(table["operations"]["InvoiceAdd"])
    assert '"n": "InventorySiteRef"' in text and '"v": "10.0"' in text
