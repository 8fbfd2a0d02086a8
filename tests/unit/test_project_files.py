"""The README and the deploy files describe the code as it is."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from services.cli import _parser
from services.settings_table import SECTIONS, env_name, render

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_lists_every_setting_as_the_code_defines_it() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- settings:begin -->\n")[1].split("<!-- settings:end -->")[0]
    assert table == render(), "run `python -m services.settings_table` and paste it into the README"


def test_compose_sets_only_settings_that_exist_and_runs_commands_that_exist() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    known = {env_name(settings, field) for _, settings in SECTIONS for field in settings.model_fields}
    credence_services = [s for s in compose["services"].values() if s.get("image") == "credence:local"]
    assert len(credence_services) == 4
    for service in credence_services:
        assert set(service["environment"]) <= known
        if "command" in service:
            assert hasattr(_parser().parse_args(service["command"]), "handler")
    started = {s["command"][0] for s in credence_services if "command" in s}
    assert started == {"api", "risk-worker", "notifier"}


def test_the_dockerfile_copies_what_exists() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (.+)$", dockerfile, flags=re.M):
        if line.startswith("--from="):
            continue  # from an earlier build stage, not the repository
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), source


def test_the_published_event_contracts_are_current() -> None:
    from shared.contracts import CHANNELS, rendered
    from shared.events import DATA_SCHEMAS

    for name, text in rendered().items():
        path = ROOT / "docs" / name
        assert path.exists() and path.read_text() == text, f"docs/{name} is stale: run `credence docs events`"
    published = {t for _, _, types in CHANNELS.values() for t in types}
    assert published == set(DATA_SCHEMAS)


def test_an_event_schema_carries_its_type_and_data() -> None:
    import json

    schema = json.loads((ROOT / "docs" / "events" / "payment.received.schema.json").read_text())
    assert schema["properties"]["type"] == {"const": "payment.received", "type": "string"}
    assert {"payment_id", "amount", "allocations"} <= set(schema["properties"]["data"]["properties"])


CHART = ROOT / "deploy" / "helm" / "credence"


def test_the_helm_chart_sets_only_settings_that_exist_and_runs_commands_that_exist() -> None:
    known = {env_name(settings, field) for _, settings in SECTIONS for field in settings.model_fields}
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    services = values["services"]
    assert {s["command"] for s in services.values()} == {"api", "risk-worker", "notifier"}
    for service in services.values():
        assert hasattr(_parser().parse_args([service["command"]]), "handler")
        assert {service["hostEnv"], service["portEnv"]} <= known
    # The names in the templates and in the values' documentation; OTEL_* are OpenTelemetry's own.
    text = "".join(p.read_text() for p in [CHART / "values.yaml", *(CHART / "templates").iterdir()])
    named = set(re.findall(r"\b(?:CREDENCE|DATABASE|KAFKA)_[A-Z_]+\b", text))
    assert named and named <= known, named - known
    migrate = _parser().parse_args(["topics", "create", "--partitions", "6"])
    assert hasattr(migrate, "handler") and hasattr(_parser().parse_args(["db", "upgrade"]), "handler")


def _exported_metrics() -> set[str]:
    """Every sample name the services' metrics can export, from their declarations."""
    import importlib

    from prometheus_client import REGISTRY

    # Metrics register when their module is imported.
    for module in ("services.credit_api.app", "services.notifier.dispatcher", "shared.outbox"):
        importlib.import_module(module)
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"], "gauge": [""]}
    return {
        family.name + suffix
        for family in REGISTRY.collect()
        if family.name.startswith("credence_")
        for suffix in suffixes.get(family.type, [""])
    }


def test_the_grafana_dashboard_shows_only_metrics_the_services_export() -> None:
    import json

    dashboard = json.loads((ROOT / "deploy" / "grafana" / "credence.json").read_text())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        for name in re.findall(r"\bcredence_[a-z_]+\b", target["expr"])
    }
    exported = _exported_metrics()
    assert queried <= exported, queried - exported
    # Checks, decisions by reason, consumer lag, batch time, dead letters and deliveries are shown.
    for wanted in (
        "credence_credit_decisions_total",
        "credence_consumer_lag",
        "credence_consumer_batch_seconds_bucket",
        "credence_consumer_records_total",
        "credence_notifier_deliveries_total",
        "credence_http_request_seconds_bucket",
    ):
        assert wanted in queried
