"""Real peers for the notifier: an SMTP server (aiosmtpd) and HTTP webhook receivers (uvicorn)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Mailbox:
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    mailbox = Mailbox(port=free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@dataclass
class WebhookReceiver:
    url: str
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)


Answer = Callable[[str, bytes, int], Response]


def status_answer(fail_first: int) -> Answer:
    """503 to the first `fail_first` requests, then 204."""
    return lambda query, body, n: Response(status_code=503 if n <= fail_first else 204)


@asynccontextmanager
async def webhook_receiver(
    *, fail_first: int = 0, answer: Answer | None = None, delay: float = 0
) -> AsyncIterator[WebhookReceiver]:
    """Records every POST; answers with `answer(query string, body, request number)`, after
    `delay` seconds."""
    port = free_port()
    receiver = WebhookReceiver(url=f"http://127.0.0.1:{port}/hooks/credence")
    respond = answer or status_answer(fail_first)

    async def hook(request: Request) -> Response:
        body = await request.body()
        receiver.requests.append((dict(request.headers), body))
        receiver.queries.append(request.url.query)
        await asyncio.sleep(delay)
        return respond(request.url.query, body, len(receiver.requests))

    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Route("/hooks/credence", hook, methods=["POST"])]),
            host="127.0.0.1",
            port=port,
            log_config=None,
            lifespan="off",
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task
