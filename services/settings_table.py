"""The table of every setting, as the README shows it (`python -m services.settings_table`)."""

from __future__ import annotations

from pydantic_settings import BaseSettings

from services.credit_api.kernel.settings import ApiSettings
from services.devstack.settings import DevStackSettings
from services.notifier.settings import NotifierSettings
from services.risk_worker.settings import WorkerSettings
from shared.settings import PlatformSettings

SECTIONS: list[tuple[str, type[BaseSettings]]] = [
    ("all services", PlatformSettings),
    ("credit_api", ApiSettings),
    ("risk_worker", WorkerSettings),
    ("notifier", NotifierSettings),
    ("local stack (`credence dev`)", DevStackSettings),
]


def env_name(settings: type[BaseSettings], field: str) -> str:
    info = settings.model_fields[field]
    if isinstance(info.validation_alias, str):
        return info.validation_alias
    return f"{settings.model_config.get('env_prefix', '')}{field}".upper()


def render() -> str:
    lines = ["| variable | used by | default | meaning |", "|---|---|---|---|"]
    for section, settings in SECTIONS:
        for field, info in settings.model_fields.items():
            if settings is not PlatformSettings and field in PlatformSettings.model_fields:
                continue
            default = info.get_default(call_default_factory=True)
            shown = "(project)/.devstack" if field == "home" else ("" if default is None else str(default))
            if "secret" in field or "password" in field:
                shown = "(development value)" if default else ""
            name = env_name(settings, field)
            lines.append(f"| `{name}` | {section} | `{shown}` | {info.description or ''} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
