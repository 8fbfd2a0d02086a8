from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from services.credit_api.credit.credit_checks import service
from services.credit_api.credit.credit_checks.pipeline import CheckPipeline
from services.credit_api.credit.credit_checks.schemas import CreditCheckOut, CreditCheckRequest
from services.credit_api.kernel.deps import Session, admit, admitted, bearer, require
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.problems import responses
from shared.domain.errors import Unavailable
from shared.roles import Role

router = APIRouter(prefix="/v1/credit-checks", tags=["credit checks"])

CHECKERS = (Role.ORDER_SYSTEM, Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER)
_ALLOWED = admitted(*CHECKERS)
_KEY_LENGTH = (1, 200)

Caller = Annotated[Principal, Depends(require(*CHECKERS))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=_KEY_LENGTH[0],
        max_length=_KEY_LENGTH[1],
        description="Optional: a retry with the same key and body gets the first answer back (the same "
        "`check_id`) instead of a new decision. Without it, a repeated check of the same order is "
        "decided again and replaces that order's reservation or hold, never adds to it.",
    ),
]


class _Served(APIRoute):
    """A route declared like the others, so its OpenAPI operation is generated from the
    declaration, but served by `serve`: every order of every order system passes here, and
    FastAPI's per-request dependency solving, validation and encoding were a third of its time."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        return serve


async def serve(request: Request) -> Response:
    """The credit check as `create_credit_check` declares it: the caller from the cached key map,
    the header and the body validated once by pydantic's compiled validator, the answer encoded
    once (in the service, where the same bytes are kept for the Idempotency-Key)."""
    principal = await admit(request, bearer(request), _ALLOWED)
    key = request.headers.get("idempotency-key")
    if key is not None and not _KEY_LENGTH[0] <= len(key) <= _KEY_LENGTH[1]:
        raise RequestValidationError(
            [{"type": "string_length", "loc": ("header", "Idempotency-Key"), "msg": "length 1 to 200"}]
        )
    body = await _body(request)
    # Decided with the checks that arrive with it, in one transaction (credit_checks.pipeline).
    pipeline: CheckPipeline = request.app.state.check_pipeline
    deadline = request.app.state.settings.check_deadline_seconds
    try:
        async with asyncio.timeout(deadline):
            answer = await pipeline.submit(service.Asked(principal, body, key))
    except TimeoutError:
        # Never a hang: the check may still be decided; a retry with the same Idempotency-Key
        # gets that decision, a retry without one replaces the order's reservation or hold.
        raise Unavailable(f"no decision within {deadline:g} s: try again", retry_after=1) from None
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return Response(answer.body, answer.status_code, headers, media_type="application/json")


def front_door(app: Starlette) -> ASGIApp:
    """`serve` as plain ASGI, for the app's own middleware to call straight for `POST
    /v1/credit-checks`: past the framework's routing and its layers of middleware, which took as
    much of a check's time as deciding it. Errors are answered by the app's own handlers
    (problem+json), chosen as Starlette chooses them; the request id, timing, security headers and
    body limit stay with the middleware that calls this."""
    route = next(r for r in router.routes if isinstance(r, _Served))
    handlers = app.exception_handlers

    async def door(scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"], scope["route"] = app, route
        request = Request(scope, receive, send)
        try:
            response = await serve(request)
        except Exception as exc:
            handler = next((handlers[k] for k in type(exc).__mro__ if k in handlers), None)
            if handler is None:
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)

    return door


async def _body(request: Request) -> CreditCheckRequest:
    """The body as FastAPI would take it: JSON by its content type, else refused."""
    raw = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not raw:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required"}])
    if not (kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))):
        raise RequestValidationError(
            [{"type": "model_attributes_type", "loc": ("body",), "msg": "Send the body as application/json"}]
        )
    try:
        return CreditCheckRequest.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


async def create_credit_check(
    body: CreditCheckRequest, principal: Caller, idempotency_key: IdempotencyKey = None
) -> CreditCheckOut:
    """The operation's declaration, from which OpenAPI documents it; `serve` answers it."""
    raise NotImplementedError


router.add_api_route(
    "",
    create_credit_check,
    methods=["POST"],
    summary="Decide whether an order may go ahead on credit",
    response_model=CreditCheckOut,
    description="Answers `approved` or `held` with machine-readable reasons, in this order: blocked, "
    "no valid limit, overdue beyond tolerance, critical warning (the customer's early-warning level "
    "holds orders by the warning policy), limit exceeded (with the shortfall), the limit of the "
    "customer's credit group or of any group above it exceeded (`group_limit_exceeded`, one reason "
    "per group, with its limit and exposure before and after in its currency); an "
    "approval warns `near_limit` from 90% utilisation. With `reserve`, an approval reserves "
    "the amount and a hold opens a credit hold. `order_ref` is the natural key of both: an "
    "order has at most one live reservation and one open hold, so checking the same order again "
    "(a retry, or an amended amount) replaces them and never counts the order twice. Every "
    "decision is kept.",
    responses=responses(401, 403, 404, 409, 422),
    route_class_override=_Served,
)


@router.get("/{check_id}", summary="Read a stored credit decision", responses=responses(401, 403, 404, 422))
async def get_credit_check(check_id: uuid.UUID, session: Session, _: Caller) -> CreditCheckOut:
    return await service.get(session, check_id)
