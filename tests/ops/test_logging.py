"""JSON log lines: shape, extra fields, and what must never reach them."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from qbwc_service.observability import configure_logging, iter_json_lines, redact_text
from qbwc_service.settings import Settings


@pytest.fixture
def log_stream(settings: Settings) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    handler = configure_logging(settings, stream=stream)
    yield stream
    root.removeHandler(handler)
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return list(iter_json_lines(stream.getvalue()))


def test_lines_are_json_with_time_level_logger_message_and_extras(log_stream: io.StringIO) -> None:
    """One JSON object per record, with the standard keys and the `extra` fields."""
    logging.getLogger("qbwc_service.qbwc.runs").info(
        "message set %s answered", "ms-1", extra={"company_id": 7, "elapsed_ms": 812}
    )
    [line] = _lines(log_stream)
    assert line["level"] == "INFO"
    assert line["logger"] == "qbwc_service.qbwc.runs"
    assert line["message"] == "message set ms-1 answered"
    assert line["company_id"] == 7 and line["elapsed_ms"] == 812
    assert str(line["time"]).endswith("+00:00")


def test_secrets_in_messages_and_extras_are_redacted(log_stream: io.StringIO) -> None:
    """Passwords, tokens, Authorization headers and database passwords never appear."""
    log = logging.getLogger("qbwc_service.magento")
    log.warning("login password=%s refused", "Tr0ub4dor&3")
    log.warning("calling with Authorization: Bearer abcDEF123456789xyz")
    log.warning('oauth_token="tok-SECRET-1", oauth_signature=sig-SECRET-2')
    log.warning("db at postgresql://qbwc:pg-SECRET-3@db/qbwc")
    log.warning("connecting", extra={"consumer_secret": "cs-SECRET-4", "access_token": "at-SECRET-5",
                                     "headers": {"Authorization": "Basic dXNlcjpwYXNz"}})
    output = log_stream.getvalue()
    for secret in ("Tr0ub4dor", "abcDEF123456789xyz", "SECRET", "dXNlcjpwYXNz"):
        assert secret not in output
    assert len(_lines(log_stream)) == 5


def test_qbxml_bodies_and_customer_fields_never_appear(log_stream: io.StringIO) -> None:
    """qbXML in a message or an extra, e-mail addresses and customer names are withheld."""
    body = '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><CustomerAddRq>' \
           "<Name>Ada Lovelace</Name></CustomerAddRq></QBXML>"
    log = logging.getLogger("qbwc_service.queue")
    log.info("sending %s", body)
    log.info("escaped &lt;QBXML&gt;&lt;Name&gt;Ada Lovelace&lt;/Name&gt;")
    log.info("customer ada@example.com synced",
             extra={"request_xml": body, "first_name": "Ada", "last_name": "Lovelace",
                    "customer": {"email": "ada@example.com", "street": "12 St James's Sq"},
                    "request_id": 42})
    output = log_stream.getvalue()
    for private in ("Lovelace", "ada@example.com", "St James", "CustomerAddRq"):
        assert private not in output
    lines = _lines(log_stream)
    assert lines[2]["request_id"] == 42
    assert lines[0]["message"] == "sending [xml body withheld]"


def test_exception_tracebacks_are_redacted(log_stream: io.StringIO) -> None:
    """A traceback carrying a body or a password is scrubbed like the message."""
    try:
        raise ValueError("bad response <QBXML><Name>Grace Hopper</Name></QBXML> password=pw-LEAK")
    except ValueError:
        logging.getLogger("qbwc_service").exception("failed")
    [line] = _lines(log_stream)
    assert "ValueError" in str(line["exception"])
    assert "Grace Hopper" not in log_stream.getvalue()
    assert "pw-LEAK" not in log_stream.getvalue()


def test_configure_logging_twice_keeps_one_json_handler(settings: Settings) -> None:
    """Calling it again (tests, reloads) replaces the handler instead of doubling lines."""
    root = logging.getLogger()
    saved = list(root.handlers)
    try:
        first, second = io.StringIO(), io.StringIO()
        configure_logging(settings, stream=first)
        configure_logging(settings, stream=second)
        logging.getLogger("x").warning("once")
        assert first.getvalue() == ""
        assert len(_lines(second)) == 1
    finally:
        root.handlers[:] = saved


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("company 3 queue depth 12", "company 3 queue depth 12"),
        ("ticket refused: token=abc123def", "ticket refused: token=[redacted]"),
        ("mail bob@shop.example now", "mail [email] now"),
    ],
)
def test_redact_text_keeps_ordinary_text(text: str, kept: str) -> None:
    """Ordinary operational text passes unchanged; only the sensitive part is replaced."""
    assert redact_text(text) == kept


def test_tickets_are_shortened_to_a_correlation_prefix(log_stream: io.StringIO) -> None:
    """A ticket in an extra field keeps only its first characters."""
    ticket = "Zq3xY8wP0aBcDeFgHiJkLmNoPqRsTuVwXyZ012345678"
    logging.getLogger("qbwc_service.qbwc.runs").info("run opened", extra={"ticket": ticket})
    [line] = _lines(log_stream)
    assert line["ticket"] == "Zq3xY8wP…"
    assert ticket not in log_stream.getvalue()
