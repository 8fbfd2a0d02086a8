"""A broker outage shows in the logs without drowning them."""

from __future__ import annotations

import logging

from shared.logging import QuietRepeats


def record(name: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, None)


def refused() -> logging.LogRecord:
    return record("aiokafka.conn", "Unable connect to node with id %s: %s", 1, "refused")


def test_a_retried_connection_error_is_shown_once_per_window_then_counted() -> None:
    now = [0.0]
    quiet = QuietRepeats("aiokafka", window_seconds=30, clock=lambda: now[0])
    assert quiet.filter(refused())
    shown = []
    for step in range(1, 1001):
        now[0] = step * 0.01
        shown.append(quiet.filter(refused()))
    assert not any(shown)
    now[0] = 31.0
    later = refused()
    assert quiet.filter(later)
    assert later.getMessage() == (
        "Unable connect to node with id 1: refused (1000 more like this in the last 31 s)"
    )


def test_other_messages_and_other_loggers_pass() -> None:
    quiet = QuietRepeats("aiokafka", clock=lambda: 0.0)
    assert quiet.filter(record("aiokafka.conn", "Unable connect to node with id %s", 1))
    assert quiet.filter(record("aiokafka.conn", "Unable to update metadata from %s", [1]))
    for _ in range(3):
        assert quiet.filter(record("services.risk_worker", "Unable connect to node with id %s", 1))
