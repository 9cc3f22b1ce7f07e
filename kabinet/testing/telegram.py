"""A local fake of the Telegram Bot API (on `kabinet.testing.http.FakeServer`), the way the SMS gateways are faked:
it records every `sendMessage`, serves `getUpdates` from a queue (with the offset confirming what was read), and
answers the next calls with a refusal when told to (`fail_next(403, …)`, `fail_next(429, retry_after=…)`).

    with FakeBotApi() as api:
        settings.TELEGRAM_API_URL = api.url
        …
        assert api.sent[0]["text"] == "…"
"""

from __future__ import annotations

import threading
from typing import Any

from kabinet.testing.http import FakeServer, Reply, Seen

TOKEN = "123456:TEST-token"  # noqa: S105 (the fake server's own, nothing real)
BLOCKED = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}


def too_many(retry_after: int) -> dict[str, Any]:
    return {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {retry_after}",
        "parameters": {"retry_after": retry_after},
    }


def start_update(update_id: int, chat_id: int, text: str, username: str = "client") -> dict[str, Any]:
    """An Update carrying a private message, as Telegram sends it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "private", "username": username},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Клиент", "username": username},
            "text": text,
        },
    }


class FakeBotApi(FakeServer):
    def __init__(self, token: str = TOKEN):
        self.token = token
        self.sent: list[dict[str, Any]] = []  # the sendMessage bodies, in order
        self.calls: list[tuple[str, Seen]] = []  # (method, request) of every call
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {}
        self._refusals: list[Reply] = []
        self._lock = threading.Lock()
        self._message_id = 0
        super().__init__(self._answer)

    def fail_next(self, status: int, body: dict[str, Any]) -> None:
        """The next sendMessage gets this answer (queue several for several calls)."""
        self._refusals.append(Reply(status=status, body=body))

    def block(self) -> None:
        self.fail_next(403, BLOCKED)

    def _answer(self, seen: Seen) -> Reply:
        prefix = f"/bot{self.token}/"
        if not seen.path.startswith(prefix):
            return Reply(status=401, body={"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = seen.path[len(prefix) :].split("?", 1)[0]
        payload = seen.json if seen.body else {}
        with self._lock:
            self.calls.append((method, seen))
            if method == "sendMessage":
                if self._refusals:
                    return self._refusals.pop(0)
                self.sent.append(payload)
                self._message_id += 1
                return Reply(
                    body={
                        "ok": True,
                        "result": {
                            "message_id": self._message_id,
                            "date": 1_700_000_000,
                            "chat": {"id": payload.get("chat_id"), "type": "private"},
                            "text": payload.get("text"),
                        },
                    }
                )
            if method == "getUpdates":
                offset = payload.get("offset")
                if offset is not None:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                return Reply(body={"ok": True, "result": list(self.updates)})
            if method == "setWebhook":
                self.webhook = payload
                return Reply(body={"ok": True, "result": True, "description": "Webhook was set"})
            if method == "deleteWebhook":
                self.webhook = {}
                return Reply(body={"ok": True, "result": True, "description": "Webhook was deleted"})
        return Reply(status=404, body={"ok": False, "error_code": 404, "description": "Not Found"})
