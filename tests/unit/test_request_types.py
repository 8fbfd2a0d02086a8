"""Request bodies take integers and booleans only as JSON writes them: pydantic's lax mode would
also read `true` as 1, "5" as 5 and "yes" as true, which the published document forbids (found by
fuzzing: `{"overlap_hours": false}` rotated a key with no overlap)."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator

from fastapi.routing import APIRoute
from pydantic import BaseModel, Strict

from services.credit_api.app import ROUTERS


def _lax_fields(model: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[str]:
    if model in seen:
        return
    seen.add(model)
    for name, info in model.model_fields.items():
        yield from _lax(info.annotation, info.metadata, f"{model.__name__}.{name}", seen)


def _lax(annotation: object, metadata: list[object], where: str, seen: set[type[BaseModel]]) -> Iterator[str]:
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *more = typing.get_args(annotation)
        yield from _lax(inner, [*metadata, *more], where, seen)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from _lax_fields(annotation, seen)
    elif annotation in (int, float, bool):
        if not any(isinstance(m, Strict) and m.strict for m in metadata):
            yield where
    else:
        for arg in typing.get_args(annotation):
            if arg is not type(None) and not isinstance(arg, str | types.EllipsisType):
                yield from _lax(arg, [], where, seen)


def test_no_request_body_reads_a_number_or_a_boolean_loosely() -> None:
    seen: set[type[BaseModel]] = set()
    routes = [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]
    assert len(routes) > 80
    lax = {
        where
        for route in routes
        if route.body_field is not None
        for where in _lax(route.body_field.field_info.annotation, [], route.path, seen)
    }
    assert not lax, sorted(lax)
