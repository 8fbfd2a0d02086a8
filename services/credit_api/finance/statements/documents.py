"""A statement of account as a customer files it: CSV (the language's words, plain ISO dates and
amounts, which spreadsheets read as they are) and PDF (ReportLab: the company's name, the figures as
the customer's language writes them, tables that continue on the next page under their headings,
pages numbered "n / total", the fonts embedded as subsets so any reader shows and extracts the text).

ReportLab draws a statement in a few milliseconds, so the monthly run renders thousands in a pool of
processes (`render_many`) while a single statement is drawn where it is asked for."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import functools
import io
import multiprocessing
import os
import subprocess
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.colors import Color
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth as _stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from starlette.concurrency import run_in_threadpool

from services.credit_api.finance.statements.schemas import StatementOut
from shared.vocabulary import Format, word


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


# Under this many statements a pool of processes costs more to start than it saves.
POOL_FROM = 64
_CHUNK = 25
_DARK = colors.HexColor("#1f3a5f")
_SHADE = colors.HexColor("#eef2f7")
_RULE = colors.HexColor("#cccccc")
_GREY = colors.HexColor("#555555")
_SIZE = 8.5


class FontMissing(RuntimeError):
    """A font the PDF needs is not installed (`make pdf` installs them)."""


def _truetype(family: str) -> tuple[str, int]:
    """The TrueType file fontconfig gives for `family` (and its index in a collection)."""
    found = subprocess.run(
        ["fc-match", "--format=%{file}\t%{index}\t%{fontformat}", family],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split("\t")
    if len(found) != 3 or found[2] != "TrueType" or family.split(":")[0] not in _family_names(found[0]):
        raise FontMissing(f"{family}: no TrueType font installed (`make pdf` installs it)")
    return found[0], int(found[1])


def _family_names(path: str) -> str:
    return subprocess.run(
        ["fc-query", "--format=%{family}\n", path], capture_output=True, text=True, check=False
    ).stdout


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str
    cjk: bool


# PDF's standard Helvetica: every reader has it, so nothing is embedded (a 3 kB statement, drawn
# in half the time); it writes what Windows-1252 does, which covers the English statements of
# western European customers.
_STANDARD = _Fonts("Helvetica", "Helvetica-Bold", cjk=False)


@functools.cache
def _registered() -> tuple[_Fonts, _Fonts, TTFont]:
    """DejaVu Sans for the rest of Latin, Greek and Cyrillic; WenQuanYi Micro Hei (no bold face)
    for Chinese. Both embedded as subsets."""
    faces = {"Sans": "DejaVu Sans", "Sans-Bold": "DejaVu Sans:bold", "Hei": "WenQuanYi Micro Hei"}
    fonts = {}
    for name, family in faces.items():
        path, index = _truetype(family)
        fonts[name] = TTFont(name, path, subfontIndex=index)
        pdfmetrics.registerFont(fonts[name])
    return _Fonts("Sans", "Sans-Bold", cjk=False), _Fonts("Hei", "Hei", cjk=True), fonts["Sans"]


def _fonts_for(statement: StatementOut, company: str, fmt: Format) -> _Fonts:
    """The first of Helvetica, DejaVu and the Chinese font (which has Latin letters too) that has
    every character the statement writes: one face per document, so no line mixes two."""
    latin, chinese, sans = _registered()
    if statement.language.startswith("zh"):
        return chinese
    texts = [company, statement.customer_name, statement.customer_code]
    for account in statement.accounts:
        texts.append(fmt.money(Decimal(0), account.currency))
        texts += [line.document_id or "" for line in account.lines]
        texts += [" ".join(line.items) for line in account.lines]
        texts += [item.item_id for item in account.open_items]
    written = "".join(texts)
    try:
        written.encode("cp1252")
    except UnicodeEncodeError:
        covered = sans.face.charToGlyph
        return latin if all(ord(c) in covered for c in written) else chinese
    return _STANDARD


def _numbered(footer: str, font: str) -> type[Canvas]:
    """A canvas that writes "n / total" at the foot of every page: the total is a form drawn on
    every page and filled in when the last page is known."""
    total_at = A4[0] - 15 * mm - _stringWidth("0000", font, 7.5)

    class Numbered(Canvas):
        pages = 0

        def showPage(self) -> None:
            self.pages += 1
            self.setFont(font, 7.5)
            self.setFillColor(_GREY)
            self.drawString(15 * mm, 10 * mm, footer)
            self.drawRightString(total_at, 10 * mm, f"{self.pages} /\u00a0")
            self.doForm("pages")
            super().showPage()

        def save(self) -> None:
            self.beginForm("pages")
            self.setFont(font, 7.5)
            self.setFillColor(_GREY)
            self.drawString(total_at, 10 * mm, str(self.pages))
            self.endForm()
            super().save()

    return Numbered


def to_pdf(statement: StatementOut, company: str) -> bytes:
    lang = statement.language
    fmt = Format(lang)
    fonts = _fonts_for(statement, company, fmt)

    def said(code: str) -> str:
        return word("statement", code, lang)

    def style(
        size: float,
        *,
        bold: bool = False,
        color: Color = colors.black,
        align: Literal[0, 2] = TA_LEFT,
    ) -> ParagraphStyle:
        return ParagraphStyle(
            "s",
            fontName=fonts.bold if bold else fonts.regular,
            fontSize=size,
            leading=size * 1.3,
            textColor=color,
            alignment=align,
            wordWrap="CJK" if fonts.cjk else None,
        )

    def wrapped(text: str, width: float) -> str:
        return "\n".join(simpleSplit(text, fonts.regular, _SIZE, width - 2 * mm)) if text else ""

    def table(rows: list[list[str]], widths: list[float], numbers_from: int, extra: list[Any]) -> Table:
        made = Table(rows, colWidths=widths, repeatRows=1)
        made.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), fonts.regular, _SIZE, _SIZE * 1.25),
                    ("FONT", (0, 0), (-1, 0), fonts.bold, _SIZE, _SIZE * 1.25),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("ALIGN", (numbers_from, 0), (-1, -1), "RIGHT"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.3, _RULE),
                    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                    *extra,
                ]
            )
        )
        return made

    width = A4[0] - 30 * mm
    header = Table(
        [
            [
                Paragraph(escape(company), style(14, bold=True, color=_DARK)),
                Paragraph(escape(said("title")), style(13, bold=True, align=TA_RIGHT)),
            ],
            [
                "",
                Paragraph(
                    escape(f"{said('customer')}: {statement.customer_name} ({statement.customer_code})"),
                    style(_SIZE, align=TA_RIGHT),
                ),
            ],
            [
                "",
                Paragraph(
                    escape(
                        f"{said('period')}: {fmt.day(statement.period_from)} {said('to')} "
                        f"{fmt.day(statement.period_to)}"
                    ),
                    style(_SIZE, align=TA_RIGHT),
                ),
            ],
        ],
        colWidths=[width * 0.5, width * 0.5],
    )
    header.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, -1), (-1, -1), 1.6, _DARK),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
            ]
        )
    )
    story: list[Any] = [header]
    money_w = 26 * mm
    for account in statement.accounts:
        cur = account.currency

        def money(amount: Decimal | str, cur: str = cur) -> str:
            return fmt.money(amount, cur)

        story += [
            Spacer(1, 5 * mm),
            Paragraph(escape(f"{said('currency')}: {cur}"), style(11, bold=True, color=_DARK)),
            Spacer(1, 2 * mm),
        ]
        widths = [23 * mm, 22 * mm, 24 * mm, width - 69 * mm - 3 * money_w, money_w, money_w, money_w]
        rows = [[said(c) for c in ("date", "movement", "document", "items", "debit", "credit", "balance")]]
        rows.append(
            [fmt.day(statement.period_from), said("opening"), "", "", "", "", money(account.opening_balance)]
        )
        for line in account.lines:
            amount = Decimal(line.amount)
            rows.append(
                [
                    fmt.day(line.date),
                    wrapped(word("movement", line.kind, lang), widths[1]),
                    wrapped(line.document_id or "", widths[2]),
                    wrapped(", ".join(line.items), widths[3]),
                    money(amount) if amount > 0 else "",
                    money(-amount) if amount < 0 else "",
                    money(line.balance),
                ]
            )
        if not account.lines:
            rows.append([said("nothing"), "", "", "", "", "", ""])
        rows.append(
            [
                fmt.day(statement.period_to),
                said("closing"),
                "",
                "",
                money(account.total_debits),
                money(account.total_credits),
                money(account.closing_balance),
            ]
        )
        carried = [
            ("FONT", (0, row), (-1, row), fonts.bold, _SIZE, _SIZE * 1.25) for row in (1, len(rows) - 1)
        ] + [("BACKGROUND", (0, row), (-1, row), _SHADE) for row in (1, len(rows) - 1)]
        story.append(table(rows, widths, 4, carried))
        if account.open_items:
            story += [
                Spacer(1, 4 * mm),
                Paragraph(escape(said("open_items")), style(10, bold=True)),
                Spacer(1, 1.5 * mm),
            ]
            rows = [[said(c) for c in ("document", "issue_date", "due_date", "days_overdue", "open_amount")]]
            rows += [
                [
                    wrapped(i.item_id, 45 * mm),
                    fmt.day(i.issue_date),
                    fmt.day(i.due_date),
                    fmt.number(Decimal(i.days_overdue)),
                    money(i.open_amount),
                ]
                for i in account.open_items
            ]
            story.append(table(rows, [45 * mm, 32 * mm, 32 * mm, width - 109 * mm - money_w, money_w], 3, []))
        story += [
            Spacer(1, 4 * mm),
            Paragraph(escape(said("ageing")), style(10, bold=True)),
            Spacer(1, 1.5 * mm),
        ]
        buckets = [word("bucket", b.bucket, lang) for b in account.ageing]
        story.append(
            table(
                [buckets, [money(b.amount) for b in account.ageing]],
                [width / len(buckets)] * len(buckets),
                0,
                [],
            )
        )
        summary = Table(
            [
                [said("unallocated_cash"), money(account.unallocated_cash)],
                [said("unapplied_credit"), money(account.unapplied_credit)],
                [said("interest_claimed"), money(account.interest_claimed)],
                [said("closing"), money(account.closing_balance)],
            ],
            colWidths=[width - 40 * mm, 40 * mm],
        )
        summary.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), fonts.regular, _SIZE),
                    ("FONT", (0, -1), (-1, -1), fonts.bold, _SIZE),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                ]
            )
        )
        story += [Spacer(1, 3 * mm), summary]
    story += [Spacer(1, 8 * mm), Paragraph(escape(said("footer")), style(_SIZE, color=_GREY))]
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=f"{said('title')} {statement.customer_code} {statement.period_from} – {statement.period_to}",
        author=company,
        lang=lang,
    ).build(
        story,
        canvasmaker=_numbered(f"{company} · {said('title')} · {statement.customer_code}", fonts.regular),
    )
    return out.getvalue()


def _render_chunk(chunk: list[StatementOut], company: str) -> list[bytes]:
    return [to_pdf(statement, company) for statement in chunk]


@contextlib.contextmanager
def pool(expected: int) -> Iterator[ProcessPoolExecutor | None]:
    """One process per CPU for a run of `expected` statements, none for a few."""
    if expected < POOL_FROM:
        yield None
        return
    # Spawned, not forked: a fork of a process running an event loop and threads is not safe.
    with ProcessPoolExecutor(os.cpu_count(), mp_context=multiprocessing.get_context("spawn")) as processes:
        yield processes


async def render_many(
    statements: list[StatementOut], company: str, processes: ProcessPoolExecutor | None
) -> list[bytes]:
    """The PDFs in order, drawn by `processes` (from `pool`) or, without, in a thread."""
    if processes is None:
        return await run_in_threadpool(_render_chunk, statements, company)
    loop = asyncio.get_running_loop()
    chunks = [statements[n : n + _CHUNK] for n in range(0, len(statements), _CHUNK)]
    done = await asyncio.gather(*(loop.run_in_executor(processes, _render_chunk, c, company) for c in chunks))
    return [pdf for chunk in done for pdf in chunk]
