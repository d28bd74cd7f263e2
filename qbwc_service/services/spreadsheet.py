"""CSV and XLSX writing for every export, with spreadsheet-formula protection.

Text that a spreadsheet would run as a formula (leading ``=``, ``+``, ``-``, ``@``, tab or
carriage return: OWASP "CSV injection") is written as text: a leading apostrophe in CSV,
an explicit string cell in XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO

__all__ = ["csv_cell", "csv_chunks", "write_xlsx"]

_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell that spreadsheets will not evaluate as a formula."""
    if value is None:
        return ""
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_LEADS):
        return "'" + text
    return text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[object]],
               rows_per_chunk: int = 200) -> Iterator[str]:
    """The CSV text (header first), in pieces a streaming response or a file can take."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([csv_cell(value) for value in row])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(headings: Sequence[str], rows: Iterable[Sequence[object]], out: IO[bytes], *,
               title: str) -> None:
    """An XLSX workbook of one sheet: dates as dates, amounts as numbers, text never a
    formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(list(headings))
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, datetime):
                value = value.replace(tzinfo=None)  # Excel has no time zones; headings say UTC
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    workbook.save(out)
