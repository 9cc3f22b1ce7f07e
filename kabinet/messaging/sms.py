"""SMS backends, chosen by `settings.SMS_BACKEND` the way Django chooses an e-mail backend.

- `ConsoleBackend` prints the message (development and the demo);
- `FileBackend` appends JSON lines to a local outbox that tests and `manage.py sms_outbox` read;
- `LocmemBackend` keeps messages in `kabinet.messaging.sms.outbox` (unit tests);
- `SmsRuBackend` and `SmscBackend` talk to the real gateways over HTTPS.

`send(phone, text, idempotency_key=…)` returns the provider's message id or raises `SmsError`. The key is
the same for every try of one message (`sms-<id>`): the HTTP backends send it as `Idempotency-Key`, so a
gateway (or a relay in front of it) that honours the header drops a repeat after a worker died between
the gateway's answer and our commit. `SmsError.retryable` says whether
trying again later may succeed (the gateway is down or slow) or not (a wrong number, no money, bad
credentials — a person has to act).
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

outbox: list[dict] = []
_file_lock = threading.Lock()


class SmsError(Exception):
    def __init__(self, message: str, *, retryable: bool, code: str = ""):
        super().__init__(message)
        self.retryable = retryable
        self.code = code


class BaseBackend:
    def send(self, phone: str, text: str, idempotency_key: str = "") -> str:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, phone: str, text: str, idempotency_key: str = "") -> str:
        message_id = uuid.uuid4().hex
        self.stream.write(f"--- SMS to {phone} ---\n{text}\n---\n")
        self.stream.flush()
        return message_id


class LocmemBackend(BaseBackend):
    def send(self, phone: str, text: str, idempotency_key: str = "") -> str:
        message_id = uuid.uuid4().hex
        outbox.append({"id": message_id, "phone": phone, "text": text, "idempotency_key": idempotency_key})
        return message_id


class FileBackend(BaseBackend):
    """One JSON object a line in `<SMS_FILE_PATH>/outbox.jsonl`."""

    def __init__(self, path: str | None = None):
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, phone: str, text: str, idempotency_key: str = "") -> str:
        message_id = uuid.uuid4().hex
        self.path.mkdir(parents=True, exist_ok=True)
        record = {"id": message_id, "phone": phone, "text": text, "sent_at": datetime.now(UTC).isoformat()}
        with _file_lock, (self.path / "outbox.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        return message_id

    def read(self) -> list[dict]:
        file = self.path / "outbox.jsonl"
        if not file.exists():
            return []
        return [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]


def _post_form(url: str, fields: dict[str, str], timeout: int, idempotency_key: str = "") -> dict:
    """POST an urlencoded form, return the JSON answer; network trouble is a retryable SmsError."""
    body = urllib.parse.urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 (a setting: https in production)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise SmsError(f"HTTP {exc.code}", retryable=exc.code >= 500 or exc.code == 429, code=str(exc.code)) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SmsError(f"gateway unreachable: {exc.__class__.__name__}", retryable=True, code="network") from exc
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SmsError("gateway answered with something that is not JSON", retryable=True, code="format") from exc


class SmsRuBackend(BaseBackend):
    """SMS.ru `sms/send` with `json=1`.

    The answer is `{"status": "OK", "status_code": 100, "sms": {"7…": {"status": "OK",
    "status_code": 100, "sms_id": "…"}}, "balance": …}`; a refused request is `{"status": "ERROR",
    "status_code": N, "status_text": "…"}`, and a refused number has the same shape under `sms`.
    """

    # Codes after which a later try can succeed: the service is overloaded or unavailable.
    RETRYABLE = {"220", "500"}

    def __init__(
        self, api_id: str | None = None, url: str | None = None, sender: str | None = None, timeout: int | None = None
    ):
        self.api_id = api_id if api_id is not None else settings.SMSRU_API_ID
        self.url = url or settings.SMSRU_URL
        self.sender = sender if sender is not None else settings.SMS_SENDER
        self.timeout = timeout or settings.SMS_TIMEOUT

    def send(self, phone: str, text: str, idempotency_key: str = "") -> str:
        to = phone.lstrip("+")
        fields = {"api_id": self.api_id, "to": to, "msg": text, "json": "1"}
        if self.sender:
            fields["from"] = self.sender
        answer = _post_form(self.url, fields, self.timeout, idempotency_key)
        if answer.get("status") != "OK":
            code = str(answer.get("status_code", ""))
            raise SmsError(
                f"SMS.ru {code}: {answer.get('status_text', '')}", retryable=code in self.RETRYABLE, code=code
            )
        item = (answer.get("sms") or {}).get(to) or {}
        if item.get("status") != "OK":
            code = str(item.get("status_code", ""))
            raise SmsError(f"SMS.ru {code}: {item.get('status_text', '')}", retryable=code in self.RETRYABLE, code=code)
        return str(item.get("sms_id", ""))


class SmscBackend(BaseBackend):
    """SMSC `sys/send.php` with `fmt=3` (JSON) and `charset=utf-8`.

    The answer is `{"id": N, "cnt": N}`; an error is `{"error": "…", "error_code": N}` where 1 is a
    parameter error, 2 a wrong login or password, 3 no money, 4 an IP blocked for a while, 5 a bad
    date, 6 a forbidden message, 7 a bad number, 8 undeliverable, 9 too many identical requests.
    """

    RETRYABLE = {"4", "9"}

    def __init__(
        self,
        login: str | None = None,
        password: str | None = None,
        url: str | None = None,
        sender: str | None = None,
        timeout: int | None = None,
    ):
        self.login = login if login is not None else settings.SMSC_LOGIN
        self.password = password if password is not None else settings.SMSC_PASSWORD
        self.url = url or settings.SMSC_URL
        self.sender = sender if sender is not None else settings.SMS_SENDER
        self.timeout = timeout or settings.SMS_TIMEOUT

    def send(self, phone: str, text: str, idempotency_key: str = "") -> str:
        fields = {
            "login": self.login,
            "psw": self.password,
            "phones": phone.lstrip("+"),
            "mes": text,
            "fmt": "3",
            "charset": "utf-8",
        }
        if self.sender:
            fields["sender"] = self.sender
        answer = _post_form(self.url, fields, self.timeout, idempotency_key)
        if "error_code" in answer or "error" in answer:
            code = str(answer.get("error_code", ""))
            raise SmsError(f"SMSC {code}: {answer.get('error', '')}", retryable=code in self.RETRYABLE, code=code)
        if "id" not in answer:
            raise SmsError("SMSC answered without a message id", retryable=True, code="format")
        return str(answer["id"])


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()
