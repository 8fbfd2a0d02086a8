"""Alert messages in the formats of chat group webhooks, how each platform wants them signed, and how
each says it refused a message.

Slack incoming webhooks and Microsoft Teams (Workflows, Adaptive Card) answer with an HTTP status;
企业微信 (WeCom), 钉钉 (DingTalk) and 飞书 (Feishu) group bots answer 200 with an error code in the
body, so a refusal has to be read there. DingTalk signs in the URL (`timestamp` in ms and `sign` =
base64 HMAC-SHA256 keyed by the secret over "timestamp\\nsecret"); Feishu in the body (`timestamp` in
seconds and `sign` = base64 HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from enum import StrEnum
from typing import Any
from urllib.parse import quote_plus

LEVEL_MARKS = {"watch": "🟡", "warning": "🟠", "critical": "🔴"}


class ChatFormat(StrEnum):
    SLACK = "slack"
    TEAMS = "teams"
    WECOM = "wecom"
    DINGTALK = "dingtalk"
    FEISHU = "feishu"


class ChatRefused(Exception):
    """The platform answered but did not post the message (a bad key, a bad signature, a rate limit)."""


def message(fmt: ChatFormat, *, title: str, text: str, level: str) -> dict[str, Any]:
    """The JSON body that posts `title` and `text` to a group of that platform."""
    heading = f"{LEVEL_MARKS.get(level, '')} {title}".strip()
    if fmt is ChatFormat.SLACK:
        return {
            "text": heading,
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": heading[:150]}},
                {"type": "section", "text": {"type": "mrkdwn", "text": f"```{text}```"}},
            ],
        }
    if fmt is ChatFormat.TEAMS:
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": [
                            {"type": "TextBlock", "text": heading, "weight": "Bolder", "wrap": True},
                            {"type": "TextBlock", "text": text, "wrap": True, "fontType": "Monospace"},
                        ],
                    },
                }
            ],
        }
    if fmt is ChatFormat.WECOM:
        return {"msgtype": "markdown", "markdown": {"content": f"**{heading}**\n{text}"}}
    if fmt is ChatFormat.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": heading, "text": f"### {heading}\n\n{text}"}}
    return {"msg_type": "text", "content": {"text": f"{heading}\n{text}"}}


def signed(
    fmt: ChatFormat, url: str, body: dict[str, Any], secret: str | None, now_ms: int
) -> tuple[str, bytes]:
    """The URL and bytes to post, signed as the platform's "signature" security setting wants."""
    if secret and fmt is ChatFormat.DINGTALK:
        to_sign = f"{now_ms}\n{secret}".encode()
        sign = base64.b64encode(hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()).decode()
        separator = "&" if "?" in url else "?"
        url = f"{url}{separator}timestamp={now_ms}&sign={quote_plus(sign)}"
    elif secret and fmt is ChatFormat.FEISHU:
        seconds = now_ms // 1000
        key = f"{seconds}\n{secret}".encode()
        sign = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        body = {"timestamp": str(seconds), "sign": sign, **body}
    return url, json.dumps(body, ensure_ascii=False).encode()


def check_answer(fmt: ChatFormat, content: bytes) -> None:
    """Raises ChatRefused when a bot platform's 200 answer carries an error code."""
    if fmt not in {ChatFormat.WECOM, ChatFormat.DINGTALK, ChatFormat.FEISHU}:
        return
    try:
        answer = json.loads(content)
    except ValueError:
        raise ChatRefused(f"{fmt} answered something other than JSON: {content[:200]!r}") from None
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code != 0:
        message_ = answer.get("errmsg", answer.get("msg", answer.get("StatusMessage", "")))
        raise ChatRefused(f"{fmt} refused the message: {code} {message_}")
