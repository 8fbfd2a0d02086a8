"""`credence dev up|down|status`: the whole local stack at once."""

from __future__ import annotations

import asyncio
import importlib.util
import sys

import structlog

from services.devstack import kafka, postgres
from services.devstack.process import read_pid, start_detached, stop_pidfile
from services.devstack.settings import DevStackSettings
from shared.kafka import ensure_topics, platform_topics
from shared.settings import PlatformSettings

log = structlog.get_logger(__name__)

SERVICE_NAMES = ("credit-api", "risk-worker", "notifier")


def up(
    settings: DevStackSettings, platform: PlatformSettings, *, own_database: bool, own_kafka: bool
) -> None:
    """Start what the environment does not already provide; create the topics either way."""
    settings.home.mkdir(parents=True, exist_ok=True)
    if own_database:
        postgres.start(settings)
        asyncio.run(postgres.create_database(settings))
    if own_kafka:
        kafka.start(settings)
    bootstrap = settings.kafka_bootstrap if own_kafka else platform.kafka_bootstrap_servers
    asyncio.run(ensure_topics(bootstrap, platform_topics(platform, settings.topic_partitions)))
    _start_mail_sink(settings)


def _start_mail_sink(settings: DevStackSettings) -> None:
    """A local SMTP server that keeps every message in a Maildir, so notices can be read."""
    pidfile = settings.run / "mail.pid"
    if read_pid(pidfile) is not None:
        return
    if importlib.util.find_spec("aiosmtpd") is None:
        log.warning("aiosmtpd is not installed; no local mail sink", port=settings.smtp_port)
        return
    # Maildir creates its tmp/new/cur folders only when it also creates the mailbox itself.
    maildir = settings.home / "mail"
    start_detached(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{settings.smtp_port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ],
        log=settings.logs / "mail.log",
        pidfile=pidfile,
    )


def down(settings: DevStackSettings) -> None:
    for name in (*SERVICE_NAMES, "mail"):
        stop_pidfile(settings.run / f"{name}.pid", timeout=20)
    kafka.stop(settings)
    postgres.stop(settings)


def status(settings: DevStackSettings) -> dict[str, bool]:
    found = {
        "postgres": postgres.is_running(settings),
        "kafka": kafka.is_running(settings),
        "mail": read_pid(settings.run / "mail.pid") is not None,
    }
    for name in SERVICE_NAMES:
        found[name] = read_pid(settings.run / f"{name}.pid") is not None
    return found
