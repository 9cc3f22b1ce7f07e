"""Receiving Kabinet's webhooks: check the signature, the time and the event id before trusting a body.

    python examples/webhook_receiver.py --secret <the token's webhook secret> [--port 8080]

Each delivery is a POST of JSON `{"id", "kind", "created_at", "organization", "payload"}` with

    Kabinet-Signature: t=1767225600,v1=<64 hex digits>

where `v1` is the hex HMAC-SHA256, keyed with the token's webhook secret, of `<t>.<the raw body>`. The
body holds the event's id and kind, so they are signed with it. Accept a delivery only when

1. a `v1` matches (compare in constant time; during a secret rotation the header may carry two),
2. `t` is within the replay window — here 5 minutes either way (a retry is signed afresh, so a slow
   retry still passes; a captured delivery replayed later does not),
3. the event id was not processed before (keep the ids of the window at least: the same event is
   delivered again after a timeout, with the same `Idempotency-Key`).

Until 2027-06-30 the old `X-Kabinet-Signature: sha256=<HMAC of the body>` is sent beside it; it signs
neither the time nor anything outside the body, so move to `Kabinet-Signature` before that date.

Only the standard library is used.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

REPLAY_WINDOW_SECONDS = 300


class Refused(ValueError):
    """The delivery is not to be trusted (answer 400 and do nothing with it)."""


def verify(
    secret: str,
    body: bytes,
    header: str,
    *,
    seen: set[int] | None = None,
    now: float | None = None,
    window: int = REPLAY_WINDOW_SECONDS,
) -> dict:
    """The event of a delivery whose `Kabinet-Signature` header is good, its time inside the window and
    its id new (added to `seen`); otherwise `Refused`."""
    items = [part.strip().split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [value for key, value in items if key == "t"]
    signatures = [value for key, value in items if key == "v1"]
    if len(stamps) != 1 or not stamps[0].isdigit() or not signatures:
        raise Refused("no t=… and v1=… in the signature header")
    timestamp = int(stamps[0])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise Refused("the signature does not match")
    if abs((time.time() if now is None else now) - timestamp) > window:
        raise Refused("the delivery is outside the replay window")
    event = json.loads(body)
    if seen is not None:
        if event["id"] in seen:
            raise Refused(f"event {event['id']} was already processed")
        seen.add(event["id"])
    return event


def serve(secret: str, port: int) -> None:
    seen: set[int] = set()  # a real receiver keeps these in its database

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                event = verify(secret, body, self.headers.get("Kabinet-Signature", ""), seen=seen)
            except Refused as exc:
                self.send_response(400)
                self.end_headers()
                self.wfile.write(str(exc).encode())
                return
            print(event["id"], event["kind"], json.dumps(event["payload"], ensure_ascii=False))
            self.send_response(200)
            self.end_headers()

    HTTPServer(("", port), Handler).serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port", type=int, default=8080)
    arguments = parser.parse_args()
    serve(arguments.secret, arguments.port)
