from __future__ import annotations

import asyncio

from services.credit_api.app import create_app
from services.credit_api.kernel.settings import ApiSettings, get_settings
from shared.runtime import run_service, serve_http


async def serve(settings: ApiSettings, stop: asyncio.Event) -> None:
    await serve_http(create_app(settings), settings.host, settings.port, stop)


def run() -> int:
    return run_service("credit_api", get_settings(), serve)
