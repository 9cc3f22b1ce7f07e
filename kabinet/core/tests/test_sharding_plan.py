"""What the Citus plan (docs/scaling.md) requires of the schema, read from the database itself.

Every organization-owned table is distributed by organization_id, so it must carry a non-null
organization_id; every index on it starts with organization_id (a client page stays on one shard);
every unique constraint includes organization_id (Citus enforces uniqueness only within a shard). What
does not yet hold is listed below with the reason and the step of the plan that deals with it — a new
table or index that breaks a rule fails here until it is fixed or listed.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Model

from kabinet.organizations.models import Organization

# Tables with an organization column that are NOT distributed, and why.
NOT_DISTRIBUTED = {
    "accounts_registration": "a sign-up has no organization until staff approve it: stays on the coordinator",
    "audit_auditevent": "staff actions without an organization too: a coordinator table (append-only)",
    "api_apievent": "the integration feed is read across all organizations in id order: a coordinator table",
    "api_apitoken": "every API request finds its token by the key's prefix before any organization is known "
    "(creditors' tokens have none; a client's token names one): a coordinator table, small",
    "organizations_invitation": "found by the invitee's phone or the link's token before any organization is "
    "known (sign-up and sign-in): a coordinator table, small",
    "notifications_noticedelivery": "the back office's delivery log of notices, read across all organizations "
    "by time: a coordinator table (append-only, like the audit)",
    "organizations_membership": "read by user on every request (which organizations may I see?): a reference "
    "table, small (users × organizations)",
}

# Indexes that do not start with organization_id: (table, columns) -> reason.
INDEX_EXCEPTIONS = {
    ("appeals_appeal", ("status", "created_at")): "the staff queue across all organizations (multi-shard, staff only)",
    ("support_supportthread", ("status", "last_message_at")): "the staff queue across all organizations",
    ("contracts_scheduledpayment", ("contract_id", "is_paid", "due_date")): "the schedule of one contract: the "
    "ledger's per-contract queries do not name organization_id yet — step 1 adds it to them, then to this index",
    ("signatures_signaturerequest", ("status", "deadline")): "the hourly sweep that marks overdue signature "
    "requests runs across all organizations (a multi-shard sweep, like the held-upload purge)",
    ("signatures_signaturerequest", ("public_id",)): "the public verification page finds a request by its "
    "unguessable id alone; step 2: the id resolves to organization_id through the coordinator's external_ref",
    ("core_heldupload", ("created_at",)): "the hourly purge of files kept after form errors runs across all "
    "organizations (a multi-shard sweep, like the staff queues)",
}

# Only on one database engine (the stale-entry check skips them elsewhere).
VENDOR_ONLY: dict[tuple, str] = {}

# Unique constraints without organization_id: (table, columns) -> reason.
UNIQUE_EXCEPTIONS = {
    ("contracts_contract", ("external_id",)): "the API addresses a contract by the creditor's id alone "
    "(/api/v1/contracts/<external_id>/); step 2 moves global uniqueness to a reference table "
    "external_ref(kind, external_id) → organization_id and makes this (organization_id, external_id)",
    ("contracts_leaseditem", ("external_id",)): "as contracts: external ids are global in the creditor's system",
    ("contracts_insurancepolicy", ("external_id",)): "as contracts",
    ("documents_document", ("external_id",)): "as contracts",
    ("appeals_appeal", ("external_id",)): "as contracts",
    ("appeals_appeal", ("number",)): "request numbers come from one global counter (staff quote them); step 2: "
    "(organization_id, number) with the counter on the coordinator",
    ("support_supportthread", ("number",)): "as appeal numbers",
    ("contracts_calendarfeed", ("token_hash",)): "a calendar app fetches the feed by its secret token alone; step 2: "
    "the token resolves to organization_id through the coordinator's external_ref, then (organization_id, token_hash)",
    ("signatures_signaturerequest", ("public_id",)): "as the calendar feed's token: the public verification page "
    "finds a request by its unguessable id alone",
    ("invoices_invoice", ("creditor_id", "year", "sequence")): "invoice numbers are continuous per creditor by "
    "law, across organizations: allocated on the coordinator (InvoiceCounter), kept unique there",
}


def organization_owned() -> dict[str, type[Model]]:
    owned: dict[str, type[Model]] = {}
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "organization"), None)
        if field is not None and field.related_model is Organization:
            owned[model._meta.db_table] = model
    return owned


def distributed() -> dict[str, type[Model]]:
    return {table: model for table, model in organization_owned().items() if table not in NOT_DISTRIBUTED}


def constraints(table: str) -> list[Any]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return [c for c in found.values() if not c["primary_key"] and not c["foreign_key"] and not c["check"]]


def fk_columns(model) -> set[str]:
    return {f.column for f in model._meta.concrete_fields if f.is_relation}


@pytest.mark.django_db
def test_the_plan_knows_every_organization_owned_table():
    owned = organization_owned()
    assert len(distributed()) >= 12
    assert set(NOT_DISTRIBUTED) <= set(owned), set(NOT_DISTRIBUTED) - set(owned)


@pytest.mark.django_db
def test_every_distributed_table_has_a_non_null_organization_id():
    for table, model in distributed().items():
        assert model._meta.get_field("organization").null is False, f"{table}.organization_id may be NULL"


@pytest.mark.django_db
def test_every_index_on_a_distributed_table_starts_with_organization_id():
    wrong = []
    for table, model in distributed().items():
        for c in constraints(table):
            columns = tuple(c["columns"])
            if c["unique"] or not columns or columns[0] == "organization_id":
                continue
            # Django's own single-column index on a foreign key: used by ON DELETE from a parent row of the
            # same organization; under Citus it is a shard-local index, never a page's access path.
            if len(columns) == 1 and columns[0] in fk_columns(model):
                continue
            # PostgreSQL's `…_like` (varchar_pattern_ops) companion of a listed unique column.
            if (table, columns) in UNIQUE_EXCEPTIONS:
                continue
            if (table, columns) not in INDEX_EXCEPTIONS:
                wrong.append((table, columns))
    assert not wrong, f"indexes that do not start with organization_id: {wrong}"


@pytest.mark.django_db
def test_every_unique_constraint_on_a_distributed_table_includes_organization_id():
    wrong = []
    for table in distributed():
        for c in constraints(table):
            columns = tuple(c["columns"])
            if c["unique"] and "organization_id" not in columns and (table, columns) not in UNIQUE_EXCEPTIONS:
                wrong.append((table, columns))
    assert not wrong, f"unique constraints without organization_id: {wrong}"


@pytest.mark.django_db
def test_every_listed_exception_still_exists():
    # A fixed exception must leave the list, so the list is always the plan's remaining work.
    present = set()
    for table in distributed():
        for c in constraints(table):
            present.add((table, tuple(c["columns"])))
    stale = [
        key
        for key in [*INDEX_EXCEPTIONS, *UNIQUE_EXCEPTIONS]
        if key not in present and VENDOR_ONLY.get(key, connection.vendor) == connection.vendor
    ]
    assert not stale, f"listed but no longer in the schema (remove them): {stale}"
