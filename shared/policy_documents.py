"""Policy documents (scorecards, warning policies): YAML shipped in `shared/policies/`, or JSON
an admin uploads, read against their schema with every problem reported at once."""

from __future__ import annotations

from importlib import resources
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from shared.domain.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


def read(schema: type[M], document: dict[str, Any], error: type[InvalidInput]) -> M:
    """The document as its schema; `error` lists every problem with its JSON pointer."""
    try:
        return schema.model_validate(document)
    except ValidationError as exc:
        errors = [
            {"pointer": "#/" + "/".join(str(p) for p in e["loc"]), "detail": e["msg"]}
            for e in exc.errors(include_url=False)
        ]
        raise error("; ".join(f"{e['pointer']}: {e['detail']}" for e in errors), errors=errors) from None


def shipped(name: str) -> dict[str, Any]:
    """A default policy of `shared/policies/`, as data."""
    document: dict[str, Any] = yaml.safe_load(
        resources.files("shared").joinpath("policies", name).read_text()
    )
    return document
