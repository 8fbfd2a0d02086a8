"""The risk worker's domain events (`shared.messagebus`): its subscriptions are registered in one
place, `services/risk_worker/handlers.py`."""

from __future__ import annotations

from services.risk_worker.settings import WorkerSettings
from shared.messagebus import Bus

BUS: Bus[WorkerSettings] = Bus("services.risk_worker.handlers.register()")
