"""A client organization's daily pull through the client part of the API (`/api/v1/client/`), the way
its 1С or treasury integrator would write it.

    python examples/client_daily.py --url https://portal.example.ru --token kb_xxxx_yyyy \
        [--state client_state.json] [--out invoices/] [--day 2026-12-06]

The key is issued by the organization's administrator in «Настройки» → «Интеграции»; it only reads.
The script reads the events that are new since its last run (the cursor is kept in the state file),
prints those of the day (`--day`, today by default): contracts, schedules, payments received, invoices,
documents, request statuses; then the debt as the main page shows it, and downloads the PDF of every
invoice issued that day into `--out`. Only the standard library is used; run it again and it reads only
what is new.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path


class ClientApi:
    def __init__(self, url: str, token: str):
        self.base = url.rstrip("/") + "/api/v1/client"
        self.token = token

    def _open(self, path: str):
        request = urllib.request.Request(  # noqa: S310 (an http(s) URL given on the command line)
            self.base + path,
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
        )
        try:
            return urllib.request.urlopen(request, timeout=60)  # noqa: S310
        except urllib.error.HTTPError as exc:
            sys.exit(f"GET {path}: HTTP {exc.code} {exc.read().decode()[:500]}")

    def get(self, path: str) -> dict:
        with self._open(path) as response:
            return json.loads(response.read())

    def download(self, path: str, target: Path) -> int:
        with self._open(path) as response:
            data = response.read()
        target.write_bytes(data)
        return len(data)

    def walk(self, path: str, after: int = 0, limit: int = 200) -> tuple[list[dict], int]:
        """Every row of a list after the cursor, page by page, and the cursor to start from next time."""
        rows: list[dict] = []
        while True:
            page = self.get(f"{path}?after={after}&limit={limit}")
            if not page["results"]:
                return rows, after
            rows += page["results"]
            after = page["next"]


DESCRIBE = {
    "contract.created": lambda p: f"contract {p['contract']} added ({p.get('status', '')})",
    "contract.changed": lambda p: f"contract {p['contract']} changed ({p.get('status', '')})",
    "schedule.changed": lambda p: f"payment schedule of {p['contract']} changed",
    "payment.received": lambda p: f"payment {p['amount']} received on {p['received_on']} under {p['contract']}",
    "invoice.issued": lambda p: f"invoice {p['number']} for {p['amount']} under {p['contract']}, due {p['due_date']}",
    "document.published": lambda p: f"document «{p['doc_type']}» {p['title']} added",
    "appeal.status": lambda p: f"request {p['number']}: {p['status']}",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--state", default="client_state.json", help="where the events' cursor is kept")
    parser.add_argument("--out", default="invoices", help="where the day's invoices are saved")
    parser.add_argument("--day", default=date.today().isoformat(), help="the day whose changes are printed")
    args = parser.parse_args()

    api = ClientApi(args.url, args.token)
    state_file = Path(args.state)
    state = json.loads(state_file.read_text()) if state_file.exists() else {"events_after": 0}

    events, cursor = api.walk("/events/", state["events_after"])
    todays = [e for e in events if e["created_at"][:10] == args.day]
    print(f"changes on {args.day}: {len(todays)}")
    for event in todays:
        describe = DESCRIBE.get(event["kind"], lambda p: json.dumps(p, ensure_ascii=False))
        print(f"  {event['created_at'][11:16]} {describe(event['payload'])}")

    contracts, _ = api.walk("/contracts/")
    print(f"contracts: {len(contracts)}")
    for contract in contracts:
        print(f"  {contract['number']} ({contract['creditor']}): overdue {contract['overdue']}")
    debt = api.get("/debt/")
    print(f"debt: {debt['total']} over {debt['count']} contracts")

    out = Path(args.out)
    for event in todays:
        if event["kind"] == "invoice.issued":
            out.mkdir(parents=True, exist_ok=True)
            target = out / f"invoice-{event['payload']['number'].replace('/', '-')}.pdf"
            size = api.download(f"/invoices/{event['payload']['invoice_id']}/pdf/", target)
            print(f"downloaded {target} ({size} bytes)")

    state_file.write_text(json.dumps({"events_after": cursor}))


if __name__ == "__main__":
    main()
