"""Sends pending deliveries: email over SMTP, webhooks signed as Standard Webhooks, and chat group
bots in their platforms' formats.

A delivery is claimed for a lease (rows locked with SKIP LOCKED while they are claimed), so two
notifier replicas never send the same one at the same time. Failures are retried with exponential
backoff.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import aiosmtplib
import httpx
import structlog
from prometheus_client import Counter
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifier import chat, repository
from services.notifier.chat import ChatFormat, ChatRefused
from services.notifier.settings import NotifierSettings
from shared.models.notifier import Delivery

log = structlog.get_logger(__name__)

DELIVERIES = Counter("credence_notifier_deliveries_total", "Delivery attempts", ["channel", "outcome"])


def sign_webhook(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`webhook-signature` per the Standard Webhooks specification: HMAC-SHA256 with the base64 key
    that follows `whsec_`, over `id.timestamp.body`."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


class Dispatcher:
    """Claims due deliveries for a lease in a short transaction, sends each in a task of its own and
    records its outcome in another: a slow or failing destination holds up no other delivery, and
    a delivery whose sender died is sent again when its lease runs out."""

    def __init__(
        self,
        settings: NotifierSettings,
        sessions: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient,
        *,
        concurrency: int = 20,
        idle_seconds: float = 0.2,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._http = http
        self._concurrency = concurrency
        self._idle = idle_seconds

    async def run(self, stop: asyncio.Event) -> None:
        in_flight: set[asyncio.Task[None]] = set()
        while not stop.is_set():
            claimed: Sequence[Delivery] = []
            room = self._concurrency - len(in_flight)
            if room > 0:
                try:
                    async with self._sessions() as session, session.begin():
                        claimed = await repository.claim_due(
                            session, room, timedelta(seconds=self._settings.lease_seconds)
                        )
                except (DBAPIError, OSError) as exc:
                    log.warning("claiming deliveries failed; retrying", error=str(exc))
            for delivery in claimed:
                task = asyncio.create_task(self._deliver(delivery))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._idle)
        # What is under way finishes (each attempt has its timeout); nothing new starts.
        await asyncio.gather(*in_flight, return_exceptions=True)

    async def _deliver(self, delivery: Delivery) -> None:
        error = await self._attempt(delivery)
        try:
            async with self._sessions() as session, session.begin():
                if error is None:
                    await repository.mark_sent(session, delivery.id)
                else:
                    await self._failed(session, delivery, error)
        except (DBAPIError, OSError) as exc:
            # Unrecorded: the lease runs out and the delivery is attempted again.
            log.warning("recording a delivery failed", delivery_id=str(delivery.id), error=str(exc))
            return
        if error is None:
            DELIVERIES.labels(delivery.channel, "sent").inc()
            log.info("delivered", channel=delivery.channel, delivery_id=str(delivery.id))

    async def _attempt(self, delivery: Delivery) -> str | None:
        """None when sent, else why not."""
        try:
            await self._send(delivery)
        except (aiosmtplib.SMTPException, httpx.HTTPError, OSError, TimeoutError, ChatRefused) as exc:
            return f"{type(exc).__name__}: {exc}"
        except Exception as exc:
            # One broken delivery must not stop all the others: it is retried, then given up.
            log.exception("delivery raised unexpectedly", delivery_id=str(delivery.id))
            return f"{type(exc).__name__}: {exc}"
        return None

    async def _failed(self, session: AsyncSession, delivery: Delivery, error: str) -> None:
        attempts = delivery.attempts + 1
        retry_at = None
        if attempts < self._settings.max_attempts:
            delay = self._settings.retry_base_seconds * 2 ** (attempts - 1)
            retry_at = datetime.now(UTC) + timedelta(seconds=delay)
        await repository.mark_attempt_failed(session, delivery.id, error, retry_at=retry_at)
        DELIVERIES.labels(delivery.channel, "retry" if retry_at else "failed").inc()
        log.warning(
            "delivery failed",
            channel=delivery.channel,
            delivery_id=str(delivery.id),
            attempts=attempts,
            error=error,
            gave_up=retry_at is None,
        )

    async def _send(self, delivery: Delivery) -> None:
        if delivery.channel == "email":
            await self._email(delivery)
        elif delivery.channel == "webhook":
            await self._webhook(delivery)
        else:
            await self._chat(ChatFormat(delivery.channel), delivery)

    async def _email(self, delivery: Delivery) -> None:
        s = self._settings
        message = EmailMessage()
        message["From"] = s.mail_from
        if delivery.payload.get("reply_to"):
            message["Reply-To"] = delivery.payload["reply_to"]
        message["To"] = delivery.target
        message["Subject"] = delivery.subject
        message["Message-ID"] = f"<{delivery.id}@credence>"
        message.set_content(delivery.body)
        attachment = delivery.payload.get("attachment")
        if attachment:
            maintype, subtype = attachment["content_type"].split("/")
            message.add_attachment(
                base64.b64decode(attachment["base64"]),
                maintype=maintype,
                subtype=subtype,
                filename=attachment["filename"],
            )
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            start_tls=s.smtp_starttls,
            timeout=15,
        )

    async def _webhook(self, delivery: Delivery) -> None:
        body = str(delivery.payload["event"]).encode()
        timestamp = int(time.time())
        message_id = str(delivery.id)
        response = await self._http.post(
            delivery.target,
            content=body,
            timeout=10,
            headers={
                "content-type": "application/cloudevents+json",
                "webhook-id": message_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign_webhook(
                    self._settings.webhook_secret.get_secret_value(), message_id, timestamp, body
                ),
            },
        )
        response.raise_for_status()

    async def _chat(self, fmt: ChatFormat, delivery: Delivery) -> None:
        url, body = chat.signed(
            fmt,
            delivery.target,
            delivery.payload["message"],
            self._settings.chat_secret(fmt, delivery.target),
            int(time.time() * 1000),
        )
        response = await self._http.post(
            url, content=body, timeout=10, headers={"content-type": "application/json; charset=utf-8"}
        )
        response.raise_for_status()
        chat.check_answer(fmt, response.content)
