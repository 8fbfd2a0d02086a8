"""Messages rendered from Jinja2 templates per kind, level (or dunning step) and language.

The most specific template found wins: `{kind}.{level}.{language}`, then `{kind}.{language}`, then the
generic `alert_raised.{language}`; languages are tried as given, then without region, then English.
Amounts, dates, rates and days in dunning notices are written the way the language writes them
(Babel's CLDR data): `€1,200.50`, `2026年9月1日`, `10.15%`, `12 天`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound

from shared.events import AlertRaised, DunningNoticeIssued, StatementIssued
from shared.vocabulary import UNITS, amount_of, known, word

_env = Environment(
    loader=PackageLoader("services.notifier", "templates"),
    undefined=StrictUndefined,
    autoescape=False,  # noqa: S701 - plain-text email: HTML escaping would corrupt it
    keep_trailing_newline=True,
)


def render_alert(alert: AlertRaised, *, language: str, customer_name: str) -> tuple[str, str]:
    """Subject and body of an alert message."""
    title_en = word("reason", alert.kind, "en")
    title_zh = known("reason", alert.kind, "zh-CN") or alert.kind
    details: dict[str, Any] = alert.details
    context = {
        "alert": alert,
        "customer_name": customer_name,
        "level": alert.level,
        "kind_title": title_en,
        "kind_title_zh": title_zh,
        "level_zh": word("level", alert.level, "zh-CN"),
        "previous_level_zh": word("level", str(details.get("previous_level")), "zh-CN"),
        "causes": details.get("causes", []),
        "actions": details.get("actions", []),
        "previous_level": details.get("previous_level"),
        # Per language: (the indicator's words, its value with its unit, the level's words).
        "said": {
            lang: [
                (
                    word("indicator", c.get("indicator", ""), lang),
                    amount_of(UNITS.get(c.get("indicator", ""), "count"), c.get("value"), lang),
                    word("level", c.get("level", ""), lang),
                )
                for c in details.get("causes", [])
            ]
            for lang in ("en", "zh-CN")
        },
    }
    for lang in _languages(language):
        for name in (f"{alert.kind}.{alert.level}", alert.kind, "alert_raised"):
            try:
                body = _env.get_template(f"{name}.{lang}.body.j2").render(context)
                subject = _env.select_template(
                    [
                        f"{name}.{lang}.subject.j2",
                        f"{alert.kind}.{lang}.subject.j2",
                        f"alert_raised.{lang}.subject.j2",
                    ]
                ).render(context)
            except TemplateNotFound:
                continue
            return subject.strip(), body
    raise TemplateNotFound("alert_raised.en")


def _languages(language: str) -> list[str]:
    return list(dict.fromkeys((language, language.split("-")[0], "en")))


def render_notice(notice: DunningNoticeIssued, *, language: str, customer_name: str) -> tuple[str, str]:
    """Subject and body of a dunning notice."""
    totals: dict[str, Decimal] = {}
    interest: dict[str, Decimal] = {}
    compensation: dict[str, Decimal] = {}
    for line in notice.items:
        totals[line.currency] = totals.get(line.currency, Decimal(0)) + line.open_amount
        if line.interest is not None:
            interest[line.currency] = interest.get(line.currency, Decimal(0)) + line.interest
            compensation[line.currency] = compensation.get(line.currency, Decimal(0)) + (
                line.compensation or 0
            )
    for lang in _languages(language):
        try:
            body_template = _env.get_template(f"dunning.{notice.effect}.{lang}.body.j2")
            subject_template = _env.get_template(f"dunning.{lang}.subject.j2")
        except TemplateNotFound:
            continue
        locale = lang.replace("-", "_")
        # What the letter may refer to: notices about these items once overdue, not the reminder
        # sent before they fell due.
        earlier = [e for e in notice.earlier if e.effect != "reminder"]
        context = {
            "notice": notice,
            "earlier": earlier,
            "previous": earlier[-1] if earlier else None,
            "days": lambda n, lang=lang: amount_of("days", n, lang),
            "percent": lambda rate, lang=lang: amount_of("share", rate, lang),
            "customer_name": customer_name,
            "items": notice.items,
            "totals": totals,
            "interest": interest,
            "compensation": compensation,
            "money": _money(locale),
            "day": lambda d, locale=locale: format_date(d, format="long", locale=locale),
        }
        return subject_template.render(context).strip(), body_template.render(context)
    raise TemplateNotFound(f"dunning.{notice.effect}.en")


def render_statement(statement: StatementIssued, *, customer_name: str) -> tuple[str, str]:
    """Subject and body of the e-mail a statement of account is attached to, in its language."""
    for lang in _languages(statement.language):
        try:
            body_template = _env.get_template(f"statement.{lang}.body.j2")
            subject_template = _env.get_template(f"statement.{lang}.subject.j2")
        except TemplateNotFound:
            continue
        locale = lang.replace("-", "_")
        context = {
            "statement": statement,
            "customer_name": customer_name,
            "money": _money(locale),
            "day": lambda d, locale=locale: format_date(d, format="long", locale=locale),
        }
        return subject_template.render(context).strip(), body_template.render(context)
    raise TemplateNotFound("statement.en")


def _money(locale: str) -> Callable[[Decimal, str], str]:
    def money(amount: Decimal, currency: str) -> str:
        return str(format_currency(amount, currency, locale=locale))

    return money
