"""Real peers for the notifier: an SMTP server (aiosmtpd) and HTTP webhook receivers (uvicorn)."""

from __future__ import annotations

import asyncio
import socket
import threading
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
    """Accepts every message; `hold(n)` keeps the n-th recipient (counting from 1) waiting, before
    its message is sent, until `release()`: a sender can be killed in mid-conversation."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: int = 0
    held_at: int | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def hold(self, n: int) -> None:
        self.held_at = n

    def release(self) -> None:
        self.released.set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        self.recipients += 1
        if self.recipients == self.held_at:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.released.wait)
        envelope.rcpt_tos.append(address)
        return "250 OK"

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
