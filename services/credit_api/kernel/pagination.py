"""Cursor pagination: opaque cursors that carry the sort key of the last item returned."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, tuple_

from shared.domain.errors import InvalidInput

T = TypeVar("T")

PageSize = Annotated[int, Query(ge=1, le=500, description="Items per page")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=_plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *parsers: Callable[[Any], Any]) -> list[Any]:
    """The values of a cursor, each read by its parser; any mismatch is the caller's input error."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(parsers):
            raise ValueError(cursor)
        return [parse(value) for parse, value in zip(parsers, values, strict=True)]
    except (binascii.Error, ValueError, TypeError):
        raise InvalidInput("the cursor is not one this API issued") from None


R = TypeVar("R")


def after_time_and_id(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The position after which a page ordered by (timestamp, id) continues."""
    if not cursor:
        return None
    moment, row_id = decode_cursor(cursor, datetime.fromisoformat, uuid.UUID)
    return moment, row_id


def page_of(
    rows: Sequence[R], limit: int, view: Callable[[R], T], position: Callable[[R], tuple[Any, ...]]
) -> Page[T]:
    """A page from `limit + 1` rows: the extra row only tells that another page exists."""
    more = len(rows) > limit
    cursor = encode_cursor(*position(rows[limit - 1])) if more else None
    return Page(items=[view(row) for row in rows[:limit]], next_cursor=cursor)


def _plain(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


S = TypeVar("S", bound=Select[Any])


def keyset(
    query: S, columns: tuple[Any, ...], equal: dict[Any, Any], after: tuple[Any, ...] | None, limit: int
) -> S:
    """`query` ordered by `columns`, filtered on the non-null `equal` items, from just after `after`."""
    query = query.order_by(*columns).limit(limit)
    for column, value in equal.items():
        if value is not None:
            query = query.where(column == value)
    if after is not None:
        query = query.where(tuple_(*columns) > tuple_(*after))
    return query
