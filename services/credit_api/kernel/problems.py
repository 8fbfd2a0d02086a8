"""The one place where domain errors become RFC 9457 problem details."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import structlog
from asyncpg.exceptions import DataError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.db import is_outage
from shared.domain import errors

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:credence:problem:"

STATUS: dict[type[errors.CredenceError], int] = {
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
    errors.NotFound: 404,
    errors.AlreadyExists: 409,
    errors.Conflict: 409,
    errors.InvalidInput: 422,
    errors.TooLarge: 413,
    errors.MissingFxRate: 422,
}


class FieldProblem(BaseModel):
    pointer: str = Field(description="JSON pointer to the offending field, e.g. #/amount")
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details; `type` is stable and names the problem."""

    type: str = Field(examples=[f"{TYPE_BASE}not-found"])
    title: str = Field(examples=["Resource not found"])
    status: int = Field(examples=[404])
    detail: str | None = Field(None, examples=["customer C-1001 does not exist"])
    instance: str | None = Field(None, examples=["/v1/customers/C-1001"])
    errors: list[FieldProblem] | None = None


def status_of(exc: errors.CredenceError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def problem(
    status: int,
    code: str,
    title: str,
    detail: str | None,
    instance: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }
    return JSONResponse(
        {k: v for k, v in body.items() if v is not None},
        status_code=status,
        media_type=PROBLEM_JSON,
        headers={**(headers or {}), **({"WWW-Authenticate": "Bearer"} if status == 401 else {})},
    )


def _pointer(loc: tuple[Any, ...]) -> str:
    # FastAPI prefixes the location with where the value came from (body, query, path, header).
    parts = [str(p) for p in loc[1:]] if loc and loc[0] == "body" else [str(p) for p in loc]
    return "#/" + "/".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.CredenceError)
    async def domain_error(request: Request, exc: errors.CredenceError) -> JSONResponse:
        retry = exc.extra.get("retry_after")
        return problem(
            status_of(exc),
            exc.code,
            exc.title,
            exc.detail,
            request.url.path,
            headers=None if retry is None else {"Retry-After": str(retry)},
            **{k: _jsonable(v) for k, v in exc.extra.items()},
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [{"pointer": _pointer(tuple(e["loc"])), "detail": str(e["msg"])} for e in exc.errors()]
        return problem(
            422,
            "validation",
            "Invalid request",
            "The request does not match its schema",
            request.url.path,
            errors=fields,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not-found", 405: "method-not-allowed", 413: "body-too-large"}.get(
            exc.status_code, "http-error"
        )
        headers = exc.headers
        if exc.status_code == 405:
            # Every method of the path, as the document lists them (RFC 9110): Starlette names only
            # those of the first route that matched the path.
            headers = {"Allow": ", ".join(_allowed(request))}
        return problem(exc.status_code, code, str(exc.detail), None, request.url.path, headers=headers)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_outage(exc):
            # Every connection busy past the pool's timeout, or the database gone: say so at once
            # rather than hang, and let the caller retry.
            log.warning("database unavailable", path=request.url.path, error=str(exc))
            return problem(
                503,
                "unavailable",
                "Service unavailable",
                "the database is busy or unreachable: try again",
                request.url.path,
                headers={"Retry-After": "1"},
            )
        if _unstorable(exc):
            return problem(
                422,
                "unstorable-value",
                "A value that cannot be stored",
                "a value is out of range, or text contains a NUL character or an unpaired UTF-16 surrogate",
                request.url.path,
            )
        log.exception("unhandled error", path=request.url.path)
        return problem(500, "internal", "Internal error", "The error was logged", request.url.path)

    # Errors of the database or of encoding are answered where they are raised (a 422 when the
    # request's value was at fault); anything else last, as a logged 500.
    for kind in (DBAPIError, DataError, UnicodeEncodeError, PoolTimeout, ConnectionError, Exception):
        app.add_exception_handler(kind, unexpected)


def _allowed(request: Request) -> list[str]:
    """The methods the OpenAPI document lists for the requested path."""
    paths = request.app.openapi()["paths"]
    # The most specific template first: `/v1/scorecards/active` before `/v1/scorecards/{version}`.
    for template in sorted(paths, key=lambda t: t.count("{")):
        if re.fullmatch(re.sub(r"\{[^/]+?\}", "[^/]+", template), request.url.path):
            return sorted(m.upper() for m in paths[template])
    return []


def _unstorable(exc: BaseException | None) -> bool:
    """A value PostgreSQL refuses to store as such (SQLSTATE class 22: a NUL character, a number
    too large for its column, …) or that UTF-8 cannot encode (a lone surrogate): the request's
    fault, answered 422, whatever field it came in."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, UnicodeEncodeError | DataError):
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
        seen += 1
    return False


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, str | int | bool | list | dict) or value is None else str(value)


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI error responses of a route, each a problem+json document."""
    described = {
        401: "Missing or invalid API key",
        403: "The key's role may not do this",
        404: "Not found",
        409: "Conflict",
        422: "Invalid request",
    }
    return {
        code: {"model": Problem, "description": described.get(code, "Error"), "content": {PROBLEM_JSON: {}}}
        for code in codes
    }


def _documented(description: str, *, retry_after: bool = False) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if retry_after:
        answer["headers"] = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
    return answer


def document_common(operation: dict[str, Any], *, keyed: bool) -> None:
    """The answers any operation may give whatever its own rules: a body that is not JSON (or not
    UTF-8) at all, which no schema can describe, or over the size limit; a key over its rate; the
    database busy or gone, or the deadline passed."""
    answers = operation["responses"]
    if "requestBody" in operation:
        answers.setdefault("400", _documented("The body could not be read as JSON"))
        answers.setdefault("413", _documented("The body is larger than CREDENCE_API_MAX_BODY_BYTES"))
    if keyed:
        answers.setdefault("429", _documented("Too many requests with this API key", retry_after=True))
    answers.setdefault(
        "503",
        _documented(
            "The database is busy or unreachable, or the deadline passed: try again", retry_after=True
        ),
    )
