"""A report as a table, written as CSV or as an Excel workbook (XlsxWriter): a bold header row,
frozen panes below it and right of the first column, amounts as numbers with their currency's
decimals, rates as percentages, days with one decimal."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import xlsxwriter

from shared.domain.money import minor_units

Kind = Literal["text", "amount", "rate", "days", "number", "date"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = "text"
    currency_column: str = "currency"  # for amounts: the column naming their currency


@dataclass
class Table:
    title: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.name for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if row.get(c.name) is None else row[c.name] for c in table.columns])
    return out.getvalue()


def to_xlsx(table: Table) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(table.title[:31])
    header = book.add_format({"bold": True, "bottom": 1})
    formats: dict[str, Any] = {
        "rate": book.add_format({"num_format": "0.00%"}),
        "days": book.add_format({"num_format": "0.0"}),
        "number": book.add_format({"num_format": "0.00"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
    }
    money: dict[str, Any] = {}

    def amount_format(currency: str) -> Any:
        if currency not in money:
            places = minor_units(currency) if len(currency) == 3 else 2
            pattern = "#,##0" + ("." + "0" * places if places else "")
            money[currency] = book.add_format({"num_format": f'{pattern} "{currency}"'})
        return money[currency]

    for col, column in enumerate(table.columns):
        sheet.write_string(0, col, column.name, header)
        sheet.set_column(col, col, max(12, len(column.name) + 2))
    for r, row in enumerate(table.rows, start=1):
        for col, column in enumerate(table.columns):
            value = row.get(column.name)
            if value is None or value == "":
                continue
            if column.kind == "amount":
                sheet.write_number(
                    r, col, float(Decimal(value)), amount_format(str(row.get(column.currency_column, "")))
                )
            elif column.kind in ("rate", "days", "number"):
                sheet.write_number(r, col, float(Decimal(value)), formats[column.kind])
            elif column.kind == "date":
                sheet.write_datetime(r, col, _midnight(value), formats["date"])
            else:
                sheet.write(r, col, str(value))
    sheet.freeze_panes(1, 1)
    book.close()
    return out.getvalue()


def _midnight(value: date | str) -> datetime:
    day = value if isinstance(value, date) else date.fromisoformat(value)
    return datetime(day.year, day.month, day.day)
