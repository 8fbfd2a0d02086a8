from __future__ import annotations

import uvicorn

from services.credit_api.app import create_app
from services.credit_api.settings import get_settings
from shared.logging import configure_logging


def run() -> int:
    settings = get_settings()
    configure_logging("credit_api", settings.log_level, json=settings.log_json)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=20,
    )
    return 0
