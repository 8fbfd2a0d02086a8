"""Structured JSON logs for every service, the standard library's loggers included."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

import structlog


class QuietRepeats(logging.Filter):
    """Lets one record of each message template through per window, then says how many it held.

    A Kafka client retries a lost broker many times a second and logs every attempt; an outage
    must show in the logs without drowning them.
    """

    def __init__(
        self, prefix: str, window_seconds: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(prefix)
        self._window = window_seconds
        self._clock = clock
        self._last: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not super().filter(record):
            return True
        key = (record.name, record.levelno, str(record.msg))
        now = self._clock()
        shown, held = self._last.get(key, (float("-inf"), 0))
        if now - shown < self._window:
            self._last[key] = (shown, held + 1)
            return False
        self._last[key] = (now, 0)
        if held:
            record.msg = f"{record.msg} ({held} more like this in the last {now - shown:.0f} s)"
        return True


def configure_logging(service: str, level: str = "INFO", *, json: bool = True) -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        # Below the level, nothing more is done: not even the time stamp (8 µs a line).
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    # On the handler, not the logger: a logger's filters do not see its children's records.
    handler.addFilter(QuietRepeats("aiokafka"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    structlog.contextvars.bind_contextvars(service=service)
    # Access logs would repeat what the request middleware already records.
    logging.getLogger("uvicorn.access").disabled = True
