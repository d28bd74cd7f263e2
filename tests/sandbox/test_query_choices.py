"""A query takes ids, or filters, never both, and a filter one kind of name: the built-in
grammar's choices (between groups, and between the alternatives at one position) refuse what
the XSD refuses, and agree with the XSD (13.0 and 16.0) on generated cases, for the queries
and for the aggregates inside them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import combinations
from pathlib import Path

import pytest

from qbwc_service.sandbox.quickbooks import (
    HRESULT_PARSE_ERROR,
    PARSE_ERROR_MESSAGE,
    QbHresultError,
    QuickBooksSimulator,
)
from qbwc_service.sandbox.quickbooks.grammar import Rule, rules_for, supported_requests
from qbwc_service.sandbox.quickbooks.releases import get_release
from qbwc_service.sandbox.quickbooks.validation import read_message_set
from tests.conftest import REFERENCE
from tests.sandbox.conftest import add_customer, message, responses, status

QUERIES = sorted(name for name in supported_requests() if name.endswith("QueryRq"))
RELEASE = get_release("enterprise-2023")
XSD_DIR = REFERENCE / "qbxml" / "xsd"

_REF = "<FullName>Ada</FullName>"
# One schema-valid instance of every child a supported query may hold.
SAMPLES: dict[str, str] = {
    "ListID": "<ListID>80000001-1234567890</ListID>",
    "FullName": "<FullName>Ada</FullName>",
    "TxnID": "<TxnID>1-1234567890</TxnID>",
    "RefNumber": "<RefNumber>1001</RefNumber>",
    "RefNumberCaseSensitive": "<RefNumberCaseSensitive>A-1</RefNumberCaseSensitive>",
    "MaxReturned": "<MaxReturned>10</MaxReturned>",
    "ActiveStatus": "<ActiveStatus>All</ActiveStatus>",
    "FromModifiedDate": "<FromModifiedDate>2024-01-01T00:00:00</FromModifiedDate>",
    "ToModifiedDate": "<ToModifiedDate>2024-12-31T00:00:00</ToModifiedDate>",
    "NameFilter": "<NameFilter><MatchCriterion>StartsWith</MatchCriterion><Name>A</Name>"
                  "</NameFilter>",
    "NameRangeFilter": "<NameRangeFilter><FromName>A</FromName><ToName>M</ToName>"
                       "</NameRangeFilter>",
    "TotalBalanceFilter": "<TotalBalanceFilter><Operator>GreaterThan</Operator>"
                          "<Amount>0.00</Amount></TotalBalanceFilter>",
    "CurrencyFilter": "<CurrencyFilter><FullName>Euro</FullName></CurrencyFilter>",
    "ClassFilter": f"<ClassFilter>{_REF}</ClassFilter>",
    "AccountType": "<AccountType>Bank</AccountType>",
    "PaymentMethodType": "<PaymentMethodType>Cash</PaymentMethodType>",
    "ModifiedDateRangeFilter": "<ModifiedDateRangeFilter><FromModifiedDate>2024-01-01"
                               "</FromModifiedDate></ModifiedDateRangeFilter>",
    "TxnDateRangeFilter": "<TxnDateRangeFilter><FromTxnDate>2024-01-01</FromTxnDate>"
                          "</TxnDateRangeFilter>",
    "EntityFilter": f"<EntityFilter>{_REF}</EntityFilter>",
    "AccountFilter": f"<AccountFilter>{_REF}</AccountFilter>",
    "ItemFilter": f"<ItemFilter>{_REF}</ItemFilter>",
    "RefNumberFilter": "<RefNumberFilter><MatchCriterion>Contains</MatchCriterion>"
                       "<RefNumber>10</RefNumber></RefNumberFilter>",
    "RefNumberRangeFilter": "<RefNumberRangeFilter><FromRefNumber>1</FromRefNumber>"
                            "</RefNumberRangeFilter>",
    "PaidStatus": "<PaidStatus>NotPaidOnly</PaidStatus>",
    "SiteFilter": f"<SiteFilter>{_REF}</SiteFilter>",
    "ItemTypeFilter": "<ItemTypeFilter>Inventory</ItemTypeFilter>",
    "ItemSiteFilter": f"<ItemSiteFilter><ItemFilter>{_REF}</ItemFilter></ItemSiteFilter>",
    "TransactionModifiedDateRangeFilter": "<TransactionModifiedDateRangeFilter>"
                                          "<DateMacro>ThisMonth</DateMacro>"
                                          "</TransactionModifiedDateRangeFilter>",
    "TransactionDateRangeFilter": "<TransactionDateRangeFilter><FromTxnDate>2024-01-01"
                                  "</FromTxnDate></TransactionDateRangeFilter>",
    "TransactionEntityFilter": f"<TransactionEntityFilter>{_REF}</TransactionEntityFilter>",
    "TransactionAccountFilter": f"<TransactionAccountFilter>{_REF}</TransactionAccountFilter>",
    "TransactionItemFilter": f"<TransactionItemFilter>{_REF}</TransactionItemFilter>",
    "TransactionClassFilter": f"<TransactionClassFilter>{_REF}</TransactionClassFilter>",
    "TransactionTypeFilter": "<TransactionTypeFilter><TxnTypeFilter>Invoice</TxnTypeFilter>"
                             "</TransactionTypeFilter>",
    "TransactionDetailLevelFilter": "<TransactionDetailLevelFilter>All"
                                    "</TransactionDetailLevelFilter>",
    "TransactionPostingStatusFilter": "<TransactionPostingStatusFilter>Posting"
                                      "</TransactionPostingStatusFilter>",
    "TransactionPaidStatusFilter": "<TransactionPaidStatusFilter>Open"
                                   "</TransactionPaidStatusFilter>",
    "IncludeLineItems": "<IncludeLineItems>true</IncludeLineItems>",
    "IncludeLinkedTxns": "<IncludeLinkedTxns>true</IncludeLinkedTxns>",
    "IncludeRetElement": "<IncludeRetElement>ListID</IncludeRetElement>",
    "OwnerID": "<OwnerID>0</OwnerID>",
    "TxnDelType": "<TxnDelType>Invoice</TxnDelType>",
    "DeletedDateRangeFilter": "<DeletedDateRangeFilter><FromDeletedDate>2024-01-01T00:00:00"
                              "</FromDeletedDate></DeletedDateRangeFilter>",
    "GeneralSummaryReportType": "<GeneralSummaryReportType>ProfitAndLossStandard"
                                "</GeneralSummaryReportType>",
    "DisplayReport": "<DisplayReport>false</DisplayReport>",
    "ReportPeriod": "<ReportPeriod><FromReportDate>2024-01-01</FromReportDate>"
                    "<ToReportDate>2024-12-31</ToReportDate></ReportPeriod>",
    "ReportDateMacro": "<ReportDateMacro>ThisYear</ReportDateMacro>",
    "ReportAccountFilter": f"<ReportAccountFilter>{_REF}</ReportAccountFilter>",
    "ReportEntityFilter": f"<ReportEntityFilter>{_REF}</ReportEntityFilter>",
    "ReportItemFilter": f"<ReportItemFilter>{_REF}</ReportItemFilter>",
    "ReportClassFilter": f"<ReportClassFilter>{_REF}</ReportClassFilter>",
    "ReportTxnTypeFilter": "<ReportTxnTypeFilter><TxnTypeFilter>Invoice</TxnTypeFilter>"
                           "</ReportTxnTypeFilter>",
    "ReportModifiedDateRangeFilter": "<ReportModifiedDateRangeFilter><FromReportModifiedDate>"
                                     "2024-01-01</FromReportModifiedDate>"
                                     "</ReportModifiedDateRangeFilter>",
    "ReportModifiedDateRangeMacro": "<ReportModifiedDateRangeMacro>ThisYear"
                                    "</ReportModifiedDateRangeMacro>",
    "ReportDetailLevelFilter": "<ReportDetailLevelFilter>All</ReportDetailLevelFilter>",
    "ReportPostingStatusFilter": "<ReportPostingStatusFilter>Posting"
                                 "</ReportPostingStatusFilter>",
    "SummarizeColumnsBy": "<SummarizeColumnsBy>TotalOnly</SummarizeColumnsBy>",
    "IncludeSubcolumns": "<IncludeSubcolumns>false</IncludeSubcolumns>",
    "ReportCalendar": "<ReportCalendar>CalendarYear</ReportCalendar>",
    "ReturnRows": "<ReturnRows>ActiveOnly</ReturnRows>",
    "ReturnColumns": "<ReturnColumns>ActiveOnly</ReturnColumns>",
    "ReportBasis": "<ReportBasis>Accrual</ReportBasis>",
    # Children of the aggregates inside the queries.
    "ListIDWithChildren": "<ListIDWithChildren>80000001-1234567890</ListIDWithChildren>",
    "FullNameWithChildren": "<FullNameWithChildren>Ada</FullNameWithChildren>",
    "EntityTypeFilter": "<EntityTypeFilter>Customer</EntityTypeFilter>",
    "AccountTypeFilter": "<AccountTypeFilter>Bank</AccountTypeFilter>",
    "TxnTypeFilter": "<TxnTypeFilter>Invoice</TxnTypeFilter>",
    "DateMacro": "<DateMacro>ThisMonth</DateMacro>",
    "FromTxnDate": "<FromTxnDate>2024-01-01</FromTxnDate>",
    "ToTxnDate": "<ToTxnDate>2024-12-31</ToTxnDate>",
    "MatchCriterion": "<MatchCriterion>StartsWith</MatchCriterion>",
    "Name": "<Name>A</Name>",
    "FromName": "<FromName>A</FromName>",
    "ToName": "<ToName>M</ToName>",
    "Operator": "<Operator>GreaterThan</Operator>",
    "Amount": "<Amount>0.00</Amount>",
    "FromRefNumber": "<FromRefNumber>1</FromRefNumber>",
    "ToRefNumber": "<ToRefNumber>9</ToRefNumber>",
    "FromDeletedDate": "<FromDeletedDate>2024-01-01T00:00:00</FromDeletedDate>",
    "ToDeletedDate": "<ToDeletedDate>2024-12-31T00:00:00</ToDeletedDate>",
    "FromReportDate": "<FromReportDate>2024-01-01</FromReportDate>",
    "ToReportDate": "<ToReportDate>2024-12-31</ToReportDate>",
}


def _rules(aggregate: str) -> dict[str, Rule]:
    rules = rules_for(aggregate)
    assert rules is not None
    return rules


def _nested(query: str) -> list[str]:
    """The aggregates inside ``query`` whose content the grammar checks."""
    return [name for name, rule in _rules(query).items()
            if not rule.opaque and rules_for(name) is not None]


# Every checked aggregate inside a query, with the first query that holds it.
HOSTS: dict[str, str] = {}
for _query in QUERIES:
    for _name in _nested(_query):
        HOSTS.setdefault(_name, _query)
AGGREGATES = sorted(HOSTS)


def _positions(rules: list[Rule]) -> list[list[Rule]]:
    """The rules grouped by position, in schema order (alternatives share a position)."""
    by_position: dict[int, list[Rule]] = {}
    for rule in rules:
        by_position.setdefault(rule.position, []).append(rule)
    return [by_position[p] for p in sorted(by_position)]


def _branches(rules: dict[str, Rule]) -> dict[int, dict[int, list[Rule]]]:
    """Each choice between groups: its branches' rules by branch number."""
    choices: dict[int, dict[int, list[Rule]]] = {}
    for rule in rules.values():
        if rule.branch is not None:
            choice, branch = rule.branch
            choices.setdefault(choice, {}).setdefault(branch, []).append(rule)
    return choices


def _required(outside: list[Rule], but: int | None = None) -> list[str]:
    """One child for each required position outside the choices between groups (the first
    alternative of a required choice), leaving out position ``but``."""
    return [position[0].name for position in _positions(outside)
            if position[0].position != but and all(rule.required for rule in position)]


def cases(aggregate: str) -> Iterator[tuple[str, list[str], bool | None]]:
    """(label, children, whether the grammar must accept) for one query or aggregate: each
    branch in full beside every child outside the choices, each child alone, children of
    two branches together (which the grammar must refuse), two alternatives of one position
    together (refused unless the choice itself repeats), a repeatable child twice, and no
    child at all (refused when a child is required)."""
    rules = _rules(aggregate)
    outside = [rule for rule in rules.values() if rule.branch is None]
    required = _required(outside)
    every_outside = [position[0].name for position in _positions(outside)]
    choices = _branches(rules)
    if not choices:
        yield "every child", every_outside, None
    for choice in choices.values():
        for number, branch in choice.items():
            full = every_outside + [position[0].name for position in _positions(branch)]
            yield f"branch {number} in full", full, True
        for first, second in combinations(choice.values(), 2):
            second_positions = _positions(second)
            for other in {second_positions[0][0].name, second_positions[-1][0].name}:
                yield f"{first[0].name} beside {other}", [*required, first[0].name, other], False
    for position in _positions(list(rules.values())):
        others = _required(outside, position[0].position)
        for first, second in combinations(position, 2):
            yield (f"{first.name} beside {second.name}", [*others, first.name, second.name],
                   first.interleaved)
        for rule in position:
            if rule.repeat:
                yield f"{rule.name} twice", [*others, rule.name, rule.name], True
    yield "no child", [], not required
    for name in rules:
        alone = [*_required(outside, rules[name].position), name]
        yield f"{name} alone", sorted(alone, key=lambda n: rules[n].position), None


def _content(aggregate: str, children: list[str],
             inner: tuple[str, str] | None = None) -> str:
    """``children`` of ``aggregate`` in schema order; ``inner`` replaces one child's sample."""
    rules = _rules(aggregate)
    ordered = sorted(children, key=lambda name: rules[name].position)
    return "".join(inner[1] if inner and name == inner[0] else SAMPLES[name]
                   for name in ordered)


def _body(aggregate: str, children: list[str]) -> str:
    """A request holding ``children``: the query itself, or the first query holding the
    aggregate, with what that query requires beside it."""
    if aggregate in QUERIES:
        return f"<{aggregate}>{_content(aggregate, children)}</{aggregate}>"
    query = HOSTS[aggregate]
    filled = f"<{aggregate}>{_content(aggregate, children)}</{aggregate}>"
    outside = [rule for rule in _rules(query).values() if rule.branch is None]
    beside = [*_required(outside, _rules(query)[aggregate].position), aggregate]
    return f"<{query}>{_content(query, beside, (aggregate, filled))}</{query}>"


def _accepted(aggregate: str, children: list[str], version: str,
              xsd_dir: Path | None) -> bool:
    try:
        read_message_set(message(_body(aggregate, children), version=version), RELEASE,
                         xsd_dir)
    except QbHresultError:
        return False
    return True


def test_every_child_of_every_query_has_a_sample() -> None:
    """The generated cases can be written for every query the grammar supports and every
    aggregate inside one."""
    missing = {name for aggregate in [*QUERIES, *AGGREGATES]
               for name in _rules(aggregate)} - set(SAMPLES)
    assert not missing


@pytest.mark.parametrize("query", [q for q in QUERIES if _branches(_rules(q))])
def test_the_grammar_refuses_two_branches_and_accepts_each(query: str) -> None:
    """Without an XSD, ids beside filters are refused and each branch alone is accepted."""
    verdicts = [(label, expected, _accepted(query, children, "13.0", None))
                for label, children, expected in cases(query) if expected is not None]
    assert any(not expected for _, expected, _ in verdicts)
    wrong = [label for label, expected, got in verdicts if expected != got]
    assert not wrong


@pytest.mark.parametrize("aggregate", AGGREGATES)
def test_the_grammar_holds_an_aggregate_to_its_choices(aggregate: str) -> None:
    """Without an XSD, inside a query: two alternatives of one choice together are refused
    (a ListID beside a FullName in a filter), a repeatable one twice and each alone are
    accepted, and an empty aggregate is refused when a child is required."""
    wrong = [label for label, children, expected in cases(aggregate)
             if expected is not None and _accepted(aggregate, children, "13.0", None)
             != expected]
    assert not wrong


@pytest.mark.parametrize(("filter_content", "accepted"), [
    ("<ListID>80000001-1</ListID><ListID>80000002-1</ListID>", True),
    ("<FullName>Ada</FullName>", True),
    ("<ListID>80000001-1</ListID><FullName>Ada</FullName>", False),
    ("<FullName>Ada</FullName><FullNameWithChildren>Ada</FullNameWithChildren>", False),
    ("", False),
])
def test_an_entity_filter_holds_one_kind_of_name(filter_content: str, accepted: bool) -> None:
    """EntityFilter is the XSD's choice of ListID+, FullName+, ListIDWithChildren or
    FullNameWithChildren: one of them, never a mix, never none."""
    body = f"<InvoiceQueryRq><EntityFilter>{filter_content}</EntityFilter></InvoiceQueryRq>"
    try:
        read_message_set(message(body), RELEASE, None)
    except QbHresultError as refused:
        assert not accepted, refused.detail
    else:
        assert accepted


@pytest.mark.parametrize("version", ["13.0", "16.0"])
@pytest.mark.parametrize("aggregate", [*QUERIES, *AGGREGATES])
def test_the_grammar_agrees_with_the_xsd(aggregate: str, version: str) -> None:
    """On every generated case the built-in grammar and Intuit's XSD give the same verdict,
    for each query and each aggregate inside one."""
    schema = XSD_DIR / version / f"qbxmlops{version.replace('.', '')}.xsd"
    if not schema.is_file():
        pytest.skip(f"the qbXML {version} XSD ({schema}) is absent: nothing to compare "
                    "the grammar with")
    disagreements = [
        (label, by_grammar)
        for label, children, _ in cases(aggregate)
        if (by_grammar := _accepted(aggregate, children, version, None))
        != _accepted(aggregate, children, version, XSD_DIR)]
    assert not disagreements


Make = Callable[..., QuickBooksSimulator]


@pytest.mark.parametrize("body", [
    "<CustomerQueryRq><ListID>80000001-1</ListID><MaxReturned>5</MaxReturned></CustomerQueryRq>",
    "<CustomerQueryRq><FullName>Ada</FullName><NameFilter><MatchCriterion>StartsWith"
    "</MatchCriterion><Name>A</Name></NameFilter></CustomerQueryRq>",
    "<CustomerQueryRq><ListID>80000001-1</ListID><FullName>Ada</FullName></CustomerQueryRq>",
    "<InvoiceQueryRq><TxnID>1-1</TxnID><ModifiedDateRangeFilter><FromModifiedDate>2024-01-01"
    "</FromModifiedDate></ModifiedDateRangeFilter></InvoiceQueryRq>",
    "<InvoiceQueryRq><RefNumber>1001</RefNumber><PaidStatus>All</PaidStatus></InvoiceQueryRq>",
    "<TransactionQueryRq><TxnID>1-1</TxnID><TransactionDetailLevelFilter>All"
    "</TransactionDetailLevelFilter></TransactionQueryRq>",
    "<ItemSitesQueryRq><ListID>1-1</ListID><ItemTypeFilter>Inventory</ItemTypeFilter>"
    "</ItemSitesQueryRq>",
    "<TransferInventoryQueryRq><TxnDateRangeFilter><FromTxnDate>2024-01-01</FromTxnDate>"
    "</TxnDateRangeFilter><SiteFilter><FullName>Main</FullName></SiteFilter>"
    "</TransferInventoryQueryRq>",
])
def test_an_id_beside_a_filter_is_refused_as_the_xsd_refuses_it(make_simulator: Make,
                                                                 body: str) -> None:
    """QuickBooks answers the schema error (HRESULT 0x80040400) the XSD check answers."""
    simulator = make_simulator(release="enterprise-2023")
    with pytest.raises(QbHresultError) as caught:
        simulator.process(message(body))
    assert (caught.value.hresult, caught.value.message) == (HRESULT_PARSE_ERROR,
                                                            PARSE_ERROR_MESSAGE)
    assert "This element is not expected" in caught.value.detail


def test_an_id_alone_and_filters_alone_are_answered(simulator: QuickBooksSimulator) -> None:
    """Either branch of CustomerQuery on its own is a query QuickBooks answers."""
    add_customer(simulator, "Ada")
    for body in ("<CustomerQueryRq><FullName>Ada</FullName>"
                 "<IncludeRetElement>ListID</IncludeRetElement></CustomerQueryRq>",
                 "<CustomerQueryRq><MaxReturned>5</MaxReturned><ActiveStatus>All</ActiveStatus>"
                 "</CustomerQueryRq>"):
        answer = responses(simulator.process(message(body)))[0]
        assert status(answer) == 0
        assert len(answer) == 1
