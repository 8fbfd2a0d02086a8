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
