"""Policy documents (scorecards, warning policies): YAML shipped in `shared/policies/`, or JSON
an admin uploads, read against their schema with every problem reported at once."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from shared.domain.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


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


class Parsed(Generic[T]):
    """A kind of policy as a service reads it: each version parsed once, on first sight; the shipped
    default (version `default`) when none is active."""

    def __init__(self, default: T, parse: Callable[[dict[str, Any], str], T]) -> None:
        self._parsed: dict[str, T] = {"default": default}
        self._parse = parse

    def active(self, found: tuple[str, dict[str, Any]] | None) -> T:
        """The policy of the active version and its document, as the service's view gives them."""
        version, document = found or ("default", None)
        if version not in self._parsed:
            assert document is not None
            self._parsed[version] = self._parse(document, version)
        return self._parsed[version]
