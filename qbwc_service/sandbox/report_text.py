"""The simulated company's report (``sandbox report``) as lines of text: counts,
duplicates, totals per day and the books a bookkeeper reads."""

from __future__ import annotations

from typing import Any

__all__ = ["report_lines"]


def report_lines(summary: dict[str, Any]) -> list[str]:
    """``summary`` (``quickbooks.report``) as the lines ``sandbox report`` prints."""
    lines: list[str] = []
    lines.append(f"company {summary['company_db']}")
    for title in ("lists", "transactions"):
        lines.append(f"{title}:")
        for kind, count in summary[title].items():
            lines.append(f"  {kind:<22}{count:>8}")
    lines.append(f"duplicates: {len(summary['duplicates'])}")
    for duplicate in summary["duplicates"]:
        lines.append(f"  {duplicate['type']} {duplicate['field']}={duplicate['value']}: "
                     f"{', '.join(duplicate['txn_ids'])}")
    lines.append("totals by day:")
    for day, kinds in summary["totals_by_day"].items():
        lines.append(f"  {day} " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    lines.extend(_books(summary))
    return lines


def _books(summary: dict[str, Any]) -> list[str]:
    if "trial_balance" not in summary:
        return [f"books: {summary['ledger']}"]
    lines: list[str] = []
    trial = summary["trial_balance"]
    lines.append("trial balance:" + ("" if trial["balanced"] else "  NOT BALANCED"))
    for row in trial["accounts"]:
        lines.append(f"  {row['account']:<28}{row['type']:<24}{row['debit']:>12}{row['credit']:>12}")
    lines.append(f"  {'total':<52}{trial['total_debit']:>12}{trial['total_credit']:>12}")
    pnl = summary["profit_and_loss"]
    lines.append(f"profit and loss: income {pnl['total_income']}, cost of goods sold "
                 f"{pnl['total_cost_of_goods_sold']}, expenses {pnl['total_expenses']}, "
               f"net income {pnl['net_income']}")
    sheet = summary["balance_sheet"]
    lines.append(f"balance sheet: assets {sheet['total_assets']}, liabilities "
                 f"{sheet['total_liabilities']}, equity {sheet['total_equity']}")
    lines.append(f"customers with credit: {len(summary['customers_with_credit'])}")
    for row in summary["customers_with_credit"]:
        lines.append(f"  {row['customer']}: balance {row['balance']}, open credit memos "
                     f"{row['open_credit_memos']}")
    lines.append("inventory:")
    for row in summary["inventory"]:
        lines.append(f"  {row['item']}: {row['quantity']} worth {row['value']} (average cost "
                     f"{row['average_cost'] or '-'})")
    return lines
