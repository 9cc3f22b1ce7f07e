"""The Telegram Bot API over HTTPS (the documented wire format, no SDK): `POST <TELEGRAM_API_URL>/bot<token>/<method>`
with a JSON body; the answer is `{"ok": true, "result": …}` or `{"ok": false, "error_code": N, "description": "…",
"parameters": {"retry_after": S}}`.

`BotApi.send_message` sends a text with one inline-keyboard URL button (the invoice, the contract);
`get_updates` is long polling with an offset; `set_webhook` registers the webhook with a `secret_token`, which
Telegram sends back in the `X-Telegram-Bot-Api-Secret-Token` header of every update.

A refusal raises `TelegramError`: `blocked` for the 403 of a user who blocked the bot (or deleted the chat),
`retry_after` for a 429 (flood control), `retryable` when a later try may succeed (429, 5xx, the network).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings


class TelegramError(Exception):
    def __init__(self, message: str, *, retryable: bool, code: int = 0, blocked: bool = False, retry_after: int = 0):
        super().__init__(message)
        self.retryable = retryable
        self.code = code
        self.blocked = blocked
        self.retry_after = retry_after


def enabled() -> bool:
    """The channel exists only with a bot token; without one it is hidden everywhere."""
    return bool(settings.TELEGRAM_BOT_TOKEN)


def deep_link(code: str) -> str:
    """`https://t.me/<bot>?start=<code>`: Telegram opens the bot and sends `/start <code>` on «Start»."""
    return f"https://t.me/{settings.TELEGRAM_BOT_USERNAME}?start={code}"


def _error(status: int, answer: dict[str, Any]) -> TelegramError:
    code = int(answer.get("error_code") or status or 0)
    description = str(answer.get("description") or f"HTTP {status}")
    retry_after = int((answer.get("parameters") or {}).get("retry_after") or 0)
    if code == 403:
        # "Forbidden: bot was blocked by the user", "…: user is deactivated", "…: bot can't initiate conversation"
        return TelegramError(description, retryable=False, code=code, blocked=True)
    if code == 429:
        return TelegramError(description, retryable=True, code=code, retry_after=retry_after or 1)
    return TelegramError(description, retryable=code >= 500, code=code)


class BotApi:
    def __init__(self, token: str | None = None, url: str | None = None, timeout: int | None = None):
        self.token = token if token is not None else settings.TELEGRAM_BOT_TOKEN
        self.url = (url or settings.TELEGRAM_API_URL).rstrip("/")
        self.timeout = timeout or settings.TELEGRAM_TIMEOUT

    def call(self, method: str, payload: dict[str, Any], *, timeout: float | None = None, idempotency_key: str = ""):
        """One Bot API method; its `result`, or TelegramError."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        request = urllib.request.Request(  # noqa: S310 (a setting: https://api.telegram.org in production)
            f"{self.url}/bot{self.token}/{method}",
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers=headers,
        )
        status = 200
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise TelegramError(f"Bot API unreachable: {exc.__class__.__name__}", retryable=True) from exc
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TelegramError(f"HTTP {status}: the answer is not JSON", retryable=True, code=status) from exc
        if not isinstance(answer, dict) or not answer.get("ok"):
            raise _error(status, answer if isinstance(answer, dict) else {})
        return answer.get("result")

    def send_message(
        self, chat_id: int, text: str, *, button_text: str = "", button_url: str = "", idempotency_key: str = ""
    ) -> int:
        """The sent message's id."""
        payload: dict[str, Any] = {"chat_id": chat_id, "text": text, "link_preview_options": {"is_disabled": True}}
        if button_url:
            payload["reply_markup"] = {"inline_keyboard": [[{"text": button_text, "url": button_url}]]}
        result = self.call("sendMessage", payload, idempotency_key=idempotency_key)
        return int((result or {}).get("message_id") or 0)

    def get_updates(self, offset: int | None, timeout: int) -> list[dict[str, Any]]:
        payload: dict[str, Any] = {"timeout": timeout, "allowed_updates": ["message"]}
        if offset is not None:
            payload["offset"] = offset
        return list(self.call("getUpdates", payload, timeout=timeout + self.timeout) or [])

    def set_webhook(self, url: str, secret_token: str) -> bool:
        return bool(self.call("setWebhook", {"url": url, "secret_token": secret_token, "allowed_updates": ["message"]}))

    def delete_webhook(self) -> bool:
        return bool(self.call("deleteWebhook", {}))
