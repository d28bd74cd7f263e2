"""The audit trail, as the console and older imports know it (lives in ``services.audit``)."""

from __future__ import annotations

from qbwc_service.services.audit import event_hash, record, verify_chain

__all__ = ["event_hash", "record", "verify_chain"]
