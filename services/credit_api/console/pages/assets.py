"""The pages' scripts and styles, served from here (no CDN)."""

from __future__ import annotations

import gzip
from functools import cache
from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import Response

from services.credit_api.console.web import (
    HERE,
)
from services.devstack.settings import PROJECT_ROOT

router = APIRouter()


ASSETS = {
    "htmx.min.js": (PROJECT_ROOT / "node_modules/htmx.org/dist/htmx.min.js", "text/javascript"),
    "echarts.min.js": (PROJECT_ROOT / "node_modules/echarts/dist/echarts.common.min.js", "text/javascript"),
    "console.js": (HERE / "static/console.js", "text/javascript"),
    "console.css": (HERE / "static/console.css", "text/css"),
}


@cache
def _asset(name: str) -> tuple[bytes, bytes, str]:
    path, kind = ASSETS[name]
    body = path.read_bytes()
    return body, gzip.compress(body, 9), kind


@router.get("/assets/{name}")
async def asset(name: str, accept_encoding: Annotated[str | None, Header()] = None) -> Response:
    if name not in ASSETS:
        return Response(status_code=404)
    body, packed, kind = _asset(name)
    headers = {"Cache-Control": "public, max-age=3600", "Vary": "Accept-Encoding"}
    if accept_encoding and "gzip" in accept_encoding:
        return Response(packed, media_type=kind, headers={**headers, "Content-Encoding": "gzip"})
    return Response(body, media_type=kind, headers=headers)
