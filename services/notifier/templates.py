"""Alert messages rendered from Jinja2 templates in the customer's language (English fallback)."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound

from shared.events import AlertRaised

_env = Environment(
    loader=PackageLoader("services.notifier", "templates"),
    undefined=StrictUndefined,
    autoescape=False,  # noqa: S701 - plain-text email: HTML escaping would corrupt it
    keep_trailing_newline=True,
)

KIND_TITLES = {"limit_exceeded": ("Credit limit exceeded", "超出信用额度")}
LEVELS_ZH = {"watch": "关注", "warning": "警告", "critical": "严重"}


def render_alert(alert: AlertRaised, *, language: str, customer_name: str) -> tuple[str, str]:
    """Subject and body of an alert email."""
    title_en, title_zh = KIND_TITLES.get(alert.kind, (alert.kind.replace("_", " ").capitalize(), alert.kind))
    context = {
        "alert": alert,
        "customer_name": customer_name,
        "level": alert.level,
        "kind_title": title_en,
        "kind_title_zh": title_zh,
        "level_zh": LEVELS_ZH.get(alert.level, alert.level),
    }
    for lang in (language, language.split("-")[0], "en"):
        try:
            subject = _env.get_template(f"alert_raised.{lang}.subject.j2").render(context).strip()
            body = _env.get_template(f"alert_raised.{lang}.body.j2").render(context)
        except TemplateNotFound:
            continue
        return subject, body
    raise TemplateNotFound("alert_raised.en")
