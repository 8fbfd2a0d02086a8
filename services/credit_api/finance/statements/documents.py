"""A statement of account as a customer files it: CSV (the language's words, plain ISO dates and
amounts, which spreadsheets read as they are) and PDF (WeasyPrint from an HTML template: the
company's name, the figures as the customer's language writes them, pages numbered)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from services.credit_api.finance.statements.schemas import StatementOut
from shared.vocabulary import Format, word

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, auto_reload=False
)


def to_csv(statement: StatementOut) -> str:
    lang = statement.language

    def said(code: str) -> str:
        return word("statement", code, lang)

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [said(c) for c in ("currency", "date", "movement", "document", "items", "debit", "credit", "balance")]
    )
    for account in statement.accounts:
        cur = account.currency
        writer.writerow(
            [cur, statement.period_from, said("opening"), "", "", "", "", account.opening_balance]
        )
        for line in account.lines:
            amount = Decimal(line.amount)
            writer.writerow(
                [
                    cur,
                    line.date,
                    word("movement", line.kind, lang),
                    line.document_id or "",
                    " ".join(line.items),
                    line.amount if amount > 0 else "",
                    line.amount.removeprefix("-") if amount < 0 else "",
                    line.balance,
                ]
            )
        writer.writerow(
            [
                cur,
                statement.period_to,
                said("closing"),
                "",
                "",
                account.total_debits,
                account.total_credits,
                account.closing_balance,
            ]
        )
    return out.getvalue()


def to_html(statement: StatementOut, company: str) -> str:
    lang = statement.language
    return _env.get_template("statement.html.j2").render(
        s=statement,
        company=company,
        lang=lang,
        fmt=Format(lang),
        said=lambda code: word("statement", code, lang),
        kind=lambda code: word("movement", code, lang),
        bucket=lambda code: word("bucket", code, lang),
        Decimal=Decimal,
    )


def to_pdf(statement: StatementOut, company: str) -> bytes:
    """Slow (a few hundred milliseconds): callers run it off the event loop."""
    # Imported here: loading WeasyPrint and its fonts takes a second nothing else needs to wait for.
    import weasyprint

    pdf: bytes = weasyprint.HTML(string=to_html(statement, company)).write_pdf()
    return pdf
