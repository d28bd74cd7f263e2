"""Payment handler and the placeholder check used before a payment may be sent."""

from __future__ import annotations

from qbwc_service.handlers.payment import awaiting_ids


def test_awaiting_ids_finds_every_unfilled_placeholder() -> None:
    """Placeholders nested in AppliedToTxnAdd and SetCredit are all reported."""
    payload = {"AppliedToTxnAdd": [{"TxnID": "@txn:invoice:1", "SetCredit": [
        {"CreditTxnID": "@txn:creditmemo:1", "AppliedAmount": "1.00"}]}],
        "CustomerRef": {"FullName": "Ann"}}
    assert awaiting_ids(payload) == ["@txn:invoice:1", "@txn:creditmemo:1"]
    assert awaiting_ids({"AppliedToTxnAdd": [{"TxnID": "1A-1"}]}) == []
