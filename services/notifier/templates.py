"""Messages rendered from Jinja2 templates per kind, level (or dunning step) and language.

The most specific template found wins: `{kind}.{level}.{language}`, then `{kind}.{language}`, then the
generic `alert_raised.{language}`; languages are tried as given, then without region, then English.
Amounts and dates in dunning notices are written the way the language writes them (Babel's CLDR
data): `€1,200.50`, `2026年9月1日`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound

from shared.events import AlertRaised, DunningNoticeIssued

_env = Environment(
    loader=PackageLoader("services.notifier", "templates"),
    undefined=StrictUndefined,
    autoescape=False,  # noqa: S701 - plain-text email: HTML escaping would corrupt it
    keep_trailing_newline=True,
)

KIND_TITLES = {"limit_exceeded": ("Credit limit exceeded", "超出信用额度")}
LEVELS_ZH = {"normal": "正常", "watch": "关注", "warning": "警告", "critical": "严重"}
INDICATOR_NAMES = {
    "max_days_past_due": ("Days past due (oldest open invoice)", "最长逾期天数"),
    "overdue_share": ("Overdue share of receivables", "逾期应收占比"),
    "limit_utilisation": ("Limit utilisation", "额度使用率"),
    "score_drop": ("Score drop over 90 days (points)", "90 天内评分下降（分）"),
    "grade_downgrade": ("Grades lost over 90 days", "90 天内等级下调档数"),
    "altman_distress": ("Altman Z in the distress zone", "Altman Z 处于困境区"),
    "bounced_payments": ("Bounced payments in 90 days", "90 天内退票次数"),
    "days_beyond_terms_trend": ("Days beyond terms, trend", "超期付款天数趋势"),
    "limit_expiring": ("Days until the limit expires", "额度到期剩余天数"),
    "broken_promises": ("Broken promises to pay in 90 days", "90 天内未兑现的付款承诺"),
}


def render_alert(alert: AlertRaised, *, language: str, customer_name: str) -> tuple[str, str]:
    """Subject and body of an alert message."""
    title_en, title_zh = KIND_TITLES.get(alert.kind, (alert.kind.replace("_", " ").capitalize(), alert.kind))
    details: dict[str, Any] = alert.details
    context = {
        "alert": alert,
        "customer_name": customer_name,
        "level": alert.level,
        "kind_title": title_en,
        "kind_title_zh": title_zh,
        "level_zh": LEVELS_ZH.get(alert.level, alert.level),
        "levels_zh": LEVELS_ZH,
        "causes": details.get("causes", []),
        "actions": details.get("actions", []),
        "previous_level": details.get("previous_level"),
        "indicator_names": {k: en for k, (en, _) in INDICATOR_NAMES.items()},
        "indicator_names_zh": {k: zh for k, (_, zh) in INDICATOR_NAMES.items()},
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
        context = {
            "notice": notice,
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


def _money(locale: str) -> Callable[[Decimal, str], str]:
    def money(amount: Decimal, currency: str) -> str:
        return str(format_currency(amount, currency, locale=locale))

    return money
