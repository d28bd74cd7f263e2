"""Fuzzing the parsers behind the endpoint: qbXML responses, the HCP, Magento documents.

Whatever arrives, each parser returns a result or raises its own documented error; nothing
else escapes (no KeyError, AttributeError or TypeError from deep inside).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from magento_client.documents import CreditMemo, Invoice, Order
from magento_client.exceptions import MagentoError
from qbwc_service.qbxml import QbxmlError, iter_rets, parse_hcp, parse_response

PARSE_ERRORS = (QbxmlError, ValueError)  # xmlsafe's XMLSyntaxError is a ValueError
DOCUMENT_ERRORS = (MagentoError, ValueError)

RESPONSE = (
    '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs{set_attrs}>'
    '<{op}Rs requestID="{rid}" statusCode="{code}" statusSeverity="{sev}" statusMessage="{msg}"'
    '{iter_attrs}><{ret}><ListID>{text}</ListID><EditSequence>{text}</EditSequence>'
    '<Name>{text}</Name><TotalAmount>{amount}</TotalAmount><QuantityOnHand>{amount}'
    '</QuantityOnHand></{ret}></{op}Rs></QBXMLMsgsRs></QBXML>'
)

xml_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30).map(
    lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;"))
names = st.sampled_from(["Invoice", "Customer", "ItemInventory", "ItemSites", "CreditMemo", "X"])

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                      st.text(max_size=20))
json_value = st.recursive(json_leaf, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=5)),
    max_leaves=25)
ORDER_KEYS = ["entity_id", "increment_id", "items", "payment", "billing_address", "created_at",
              "updated_at", "grand_total", "base_grand_total", "extension_attributes",
              "parent_item_id", "item_id", "product_type", "qty_ordered", "discount_amount",
              "base_to_order_rate", "order_id", "store_id", "state"]
document_json = st.dictionaries(st.sampled_from(ORDER_KEYS), json_value, max_size=12)

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(max_size=300))
def test_parse_response_any_text(text: str) -> None:
    """Arbitrary text: a response object or a parse error, nothing else."""
    try:
        parse_response(text)
    except PARSE_ERRORS:
        pass


@FUZZ
@given(op=names, code=st.one_of(st.integers(-5, 99999).map(str), xml_text), sev=xml_text,
       msg=xml_text, text=xml_text, amount=st.one_of(xml_text, st.decimals(allow_nan=False).map(str)),
       rid=xml_text, iterating=st.booleans(), remaining=xml_text, recovery=st.booleans())
def test_parse_response_mutated_shapes(op: str, code: str, sev: str, msg: str, text: str,
                                       amount: str, rid: str, iterating: bool, remaining: str,
                                       recovery: bool) -> None:
    """Real-shaped responses with hostile values in every slot still parse or fail cleanly."""
    iter_attrs = f' iteratorRemainingCount="{remaining}" iteratorID="{text}"' if iterating else ""
    set_attrs = f' messageSetStatusCode="{code}" newMessageSetID="{text}"' if recovery else ""
    xml = RESPONSE.format(op=op + "Query", ret=op + "Ret", code=code, sev=sev, msg=msg,
                          text=text, amount=amount, rid=rid, iter_attrs=iter_attrs,
                          set_attrs=set_attrs)
    try:
        parsed = parse_response(xml)
    except PARSE_ERRORS:
        return
    for response in parsed.responses:
        assert isinstance(response.status_code, int)
        for ret in response.rets:
            assert isinstance(ret.fields, dict)


@FUZZ
@given(st.binary(max_size=300))
def test_iter_rets_any_bytes(data: bytes) -> None:
    """The streaming parser over arbitrary bytes yields records or raises a parse error."""
    try:
        list(iter_rets(data))
    except PARSE_ERRORS:
        pass


@FUZZ
@given(st.text(max_size=300))
def test_parse_hcp_any_text(text: str) -> None:
    """The Web Connector's company data: parsed leniently or refused with a parse error."""
    try:
        parse_hcp(text)
    except PARSE_ERRORS:
        pass


def _load(kind: type[Any], document: dict[str, Any]) -> None:
    try:
        kind.from_json(json.loads(json.dumps(document, default=str)))
    except DOCUMENT_ERRORS:
        pass


@FUZZ
@given(document_json)
def test_order_documents_any_json(document: dict[str, Any]) -> None:
    """Order JSON with missing, extra and wrongly typed fields: a document or a Magento error."""
    _load(Order, document)


@FUZZ
@given(document_json)
def test_invoice_and_credit_memo_documents_any_json(document: dict[str, Any]) -> None:
    """Invoice and credit memo JSON likewise."""
    _load(Invoice, document)
    _load(CreditMemo, document)
