"""Writes about contracts (docs/architecture.md, «Ledger» and «The write path»), by concern:
`notices` (what clients are told), `schedules`, `payments` and `charges` (the ledger's writes),
`ledger_writes` (the row copies every ledger write ends with), `bulk` (COPY and the raw cursor's
adapters), `calendar_feed` (the calendar subscription's secrets), `reminders` (payment reminders on
the creditor's days), `records` (the books' upserts of a contract and its rows)."""

from kabinet.contracts.services.bulk import bulk_write
from kabinet.contracts.services.calendar_feed import calendar_feed_issue, calendar_feed_revoke, calendar_token_hash
from kabinet.contracts.services.charges import (
    adjustments_upsert,
    books_debt_put,
    buyout_replace,
    penalties_upsert,
)
from kabinet.contracts.services.ledger_writes import LedgerError, ledger_recompute
from kabinet.contracts.services.notices import contract_status_notify, payments_due_notify, schedules_notify
from kabinet.contracts.services.payments import payment_reverse, payment_unreverse, payments_record
from kabinet.contracts.services.records import contract_put, insurance_policy_put, leased_item_put
from kabinet.contracts.services.reminders import payment_reminders_send
from kabinet.contracts.services.schedules import schedules_replace

__all__ = [
    "LedgerError",
    "adjustments_upsert",
    "books_debt_put",
    "bulk_write",
    "buyout_replace",
    "calendar_feed_issue",
    "calendar_feed_revoke",
    "calendar_token_hash",
    "contract_put",
    "contract_status_notify",
    "insurance_policy_put",
    "leased_item_put",
    "ledger_recompute",
    "payment_reminders_send",
    "payment_reverse",
    "payment_unreverse",
    "payments_due_notify",
    "payments_record",
    "penalties_upsert",
    "schedules_notify",
    "schedules_replace",
]
