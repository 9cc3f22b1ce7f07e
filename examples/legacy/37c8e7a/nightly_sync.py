"""A nightly load through the integration API, the way a creditor's integrator would write it.

    python examples/nightly_sync.py --url http://127.0.0.1:8000 --token kb_xxxx_yyyy [--contracts 50]

Pushes one organization with its contracts, leased items, 36-month schedules (in bulk calls),
payments received and a document, then reads the feed of what clients did. Only the standard
library is used; every call is idempotent, so the script can be run again after a failure.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid
from datetime import date, timedelta


class Api:
    def __init__(self, url: str, token: str):
        self.base = url.rstrip("/") + "/api/v1"
        self.token = token

    def call(self, method: str, path: str, body=None, *, raw: bytes | None = None, headers=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(  # noqa: S310 (an http(s) URL given on the command line)
            self.base + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/json",
                **({"Content-Type": "application/json"} if raw is None else {}),
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            sys.exit(f"{method} {path}: HTTP {exc.code} {exc.read().decode()[:500]}")


def multipart(fields: dict[str, str], file_name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True)
    parser.add_argument("--contracts", type=int, default=20)
    args = parser.parse_args()
    api = Api(args.url, args.token)

    api.call(
        "PUT",
        "/creditors/1C-CRED-1/",
        {
            "name": "ООО «Балтийский лизинг»",
            "short_name": "БАЛТЛИЗ",
            "inn": "7812345675",
            "kpp": "783801001",
            "bank_name": "ПАО Сбербанк",
            "bic": "044030653",
            "settlement_account": "40702810755000012345",
            "correspondent_account": "30101810500000000653",
        },
    )
    api.call("PUT", "/products/1C-AUTO/", {"creditor": "1C-CRED-1", "name": "Автолизинг"})
    api.call(
        "PUT",
        "/organizations/1C-ORG-7707083893/",
        {
            "name": "ПАО «Сбербанк»",
            "inn": "7707083893",
            "kpp": "773601001",
            "status": "active",
        },
    )
    start = date.today().replace(day=15) - timedelta(days=365)
    schedules = []
    for n in range(args.contracts):
        contract = f"1C-C-{n:05d}"
        api.call(
            "PUT",
            f"/contracts/{contract}/",
            {
                "organization": "1C-ORG-7707083893",
                "product": "1C-AUTO",
                "number": f"AL-SYNC-{n:05d}",
                "status": "active",
                "amount": "3600000.00",
                "start_date": str(start),
                "end_date": str(start + timedelta(days=1095)),
            },
        )
        api.call(
            "PUT",
            f"/leased-items/{contract}-1/",
            {
                "contract": contract,
                "make": "Kia",
                "model": "Rio",
                "vin": f"Z94C241BBLR{n:06d}",
                "plate": f"А{n % 1000:03d}ВС78",
            },
        )
        schedules.append(
            {
                "contract": contract,
                "payments": [
                    {
                        "number": k,
                        "due_date": str(start + timedelta(days=30 * k)),
                        "amount": "118983.33",
                        "vat_rate": "22",
                    }
                    for k in range(1, 37)
                ],
            }
        )
    for i in range(0, len(schedules), 200):  # thousands of rows per call
        print("schedules:", api.call("POST", "/schedules/", {"schedules": schedules[i : i + 200]}))
    paid = [
        {
            "contract": s["contract"],
            "number": k,
            "paid_amount": "118983.33",
            "paid_date": s["payments"][k - 1]["due_date"],
        }
        for s in schedules
        for k in range(1, 12)
    ]
    print("payments:", api.call("POST", "/payments/", {"payments": paid}))
    body, content_type = multipart(
        {
            "external_id": "1C-DOC-ACT-2026",
            "organization": "1C-ORG-7707083893",
            "contract": "1C-C-00000",
            "category": "accounting",
            "doc_type": "Акт сверки",
            "title": "Акт сверки за 2026 год",
            "document_date": str(date.today()),
        },
        "act.pdf",
        b"%PDF-1.4\n%sync\n",
    )
    print(
        "document:",
        api.call(
            "POST",
            "/documents/",
            raw=body,
            headers={"Content-Type": content_type, "Idempotency-Key": "1C-DOC-ACT-2026"},
        ),
    )
    cursor = 0
    while True:
        feed = api.call("GET", f"/events/?after={cursor}")
        for event in feed["events"]:
            print("event:", event["id"], event["kind"], event["payload"])
        if feed["next"] == cursor:
            break
        cursor = feed["next"]


if __name__ == "__main__":
    main()
