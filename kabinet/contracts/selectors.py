"""Reads of contracts, always within one organization (and creditor section). Money: the `ledger` package."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, QuerySet
from django.utils import timezone

from kabinet.contracts.models import CalendarFeed, Contract, InsurancePolicy, LeasedItem
from kabinet.core.access import NotInOrganization, get_object_for_org
from kabinet.core.formatting import plate_key
from kabinet.core.prepared import Prepared
from kabinet.core.prepared_pages import PreparedList
from kabinet.organizations.models import Membership


def contract_list(org, creditor, *, product_id: int | None = None, status: str = "", q: str = "") -> QuerySet:
    """Contracts of the organization, filtered and searched, in the list's order.

    The search matches the contract number, a leased item's VIN, or its registration plate typed
    in any case, with or without spaces, and with Latin look-alikes of the Cyrillic letters.
    The next payment is attached to one page at a time by `ledger.with_next_payment`.
    """
    if org is None:
        return Contract.objects.for_org(org)
    q = (q or "").strip()
    return _listed(
        org_id=org.pk,
        creditor_id=creditor.pk if creditor is not None else None,
        product_id=product_id or None,
        status=status or None,
        q=q or None,
        key=(plate_key(q) or None) if q else None,
    )


def _listed(
    *,
    org_id: int,
    creditor_id: int | None = None,
    product_id: int | None = None,
    status: str | None = None,
    q: str | None = None,
    key: str | None = None,
) -> QuerySet:
    """`contract_list`'s queryset; each filter applies when its argument is not None (`key`: the plate key
    of `q`, when it has one)."""
    contracts = Contract.objects.for_org_id(org_id).select_related("product")
    if creditor_id is not None:
        contracts = contracts.filter(product__creditor_id=creditor_id)  # the creditor's section
    if product_id is not None:
        contracts = contracts.filter(product_id=product_id)
    if status is not None:
        contracts = contracts.filter(status=status)
    if q is not None:
        # The matching contracts' ids as one uncorrelated subquery: the numbers, and the items' VINs and
        # plates, each found through its organization-led trigram index on PostgreSQL
        # (`contract_org_number_trgm`, `item_org_vin_trgm`, `item_org_plate_trgm`), then united. An OR of
        # the number and the items' subquery read every contract of the organization instead (25 ms at
        # 5,000 contracts).
        ids = Contract.objects.for_org_id(org_id).filter(number__icontains=q).order_by().values("pk")
        if key is not None:
            items = LeasedItem.objects.for_org_id(org_id).order_by()
            ids = ids.union(
                items.filter(vin__icontains=key).values("contract_id"),
                items.filter(plate_key__contains=key).values("contract_id"),
            )
        contracts = contracts.filter(pk__in=ids)
    # Exactly the index `contract_org_start` (organization, -start_date, number): a page is read from
    # the index in order, no sort of every row. `number` is unique per organization, so no `pk` is needed.
    return contracts.order_by("-start_date", "number")


class ContractRow:
    """A row of «Договоры»: what the list prints of a contract (`next_due_date` and `next_amount` are set by
    `ledger.with_next_payment`, the link and the date's text by the view)."""

    __slots__ = (
        "amount",
        "detail_url",
        "next_amount",
        "next_due_date",
        "next_due_text",
        "number",
        "pk",
        "product_name",
        "status",
    )

    get_status_display = Contract.get_status_display

    def __init__(self, pk: int, number: str, status: str, product_name: str, amount):
        self.pk, self.number, self.status, self.product_name, self.amount = pk, number, status, product_name, amount
        self.next_due_date = self.next_amount = None
        self.detail_url = self.next_due_text = ""


_ROW_COLUMNS = ("pk", "number", "status", "product__name", "amount")


def _page_query(*, offset: int, limit: int, **filters) -> QuerySet:
    # A deferred join as `core.views.DeferredJoinPaginator` reads a page: the page's keys from the index,
    # then those rows.
    contracts = _listed(**filters)
    return contracts.filter(pk__in=contracts.values("pk")[offset : offset + limit]).values_list(*_ROW_COLUMNS)


def _count_query(**filters) -> QuerySet:
    return _listed(**filters).order_by().values("pk")


# Compiled once per thread and shape (which filters apply): building the list's queries in the ORM cost
# more than running them.
_PAGE = PreparedList(_page_query, texts=("status", "q", "key"), window=True)
_COUNT = PreparedList(_count_query, texts=("status", "q", "key"), count=True)


class ContractPages:
    """«Договоры» filtered as `contract_list` filters them, for Django's paginator: counted, and a page read
    as a deferred join, by queries compiled once per thread and shape."""

    def __init__(self, org, creditor, *, product_id: int | None = None, status: str = "", q: str = ""):
        q = (q or "").strip()
        self.filters = {
            "org_id": org.pk,
            "creditor_id": creditor.pk if creditor is not None else None,
            "product_id": product_id or None,
            "status": status or None,
            "q": q or None,
            "key": (plate_key(q) or None) if q else None,
        }

    def count(self) -> int:
        return _COUNT.count(**self.filters)

    def __getitem__(self, window: slice) -> list[ContractRow]:
        offset = window.start or 0
        if window.stop <= offset:
            return []  # as an empty slice of a queryset: no query
        return [ContractRow(*row) for row in _PAGE.rows(offset=offset, limit=window.stop - offset, **self.filters)]


def data_as_of(org) -> date | None:
    """The date the accounting system last updated this organization's data (set by every import)."""
    return timezone.localdate(org.data_as_of) if org.data_as_of else None


def _contract_card_query(org_id: int, pk: int) -> QuerySet[Contract]:
    return Contract.objects.for_org_id(org_id).select_related("product", "product__creditor").filter(pk=pk)


# Compiled once per thread: every tab of the card reads its contract, and building this query in the ORM
# cost more than running it.
_CONTRACT_CARD = Prepared(_contract_card_query)


def contract_card(org, pk: int) -> Contract:
    """One contract of the organization with its product and creditor (the card, its exports); 404 otherwise
    (as `get_object_for_org`: another organization's contract is a missing one)."""
    if org is None or not isinstance(pk, int):
        return get_object_for_org(Contract.objects.select_related("product", "product__creditor"), org, pk=pk)
    found = _CONTRACT_CARD.objects(org_id=org.pk, pk=pk)
    if not found:
        raise NotInOrganization(Contract, {"pk": pk})
    return found[0]


def contract_label(org, pk: int) -> Contract:
    """One contract of the organization with only its number read (a filter's label); 404 otherwise."""
    return get_object_for_org(Contract.objects.only("pk", "organization_id", "number"), org, pk=pk)


def _items_count_query(org_id: int, contract_id: int) -> QuerySet:
    return (
        LeasedItem.objects.for_org_id(org_id)
        .filter(contract_id=contract_id)
        .order_by()
        .values("contract_id")
        .annotate(n=Count("pk"))
        .values_list("n")
    )


_ITEMS_COUNT = Prepared(_items_count_query)


def items_count(org, contract: Contract) -> int:
    """How many leased items the contract has (one row of a count, compiled once per thread)."""
    if org is None:
        return 0
    found = _ITEMS_COUNT.rows(org_id=org.pk, contract_id=contract.pk)
    return found[0][0] if found else 0


def contract_items(org, contract: Contract) -> QuerySet[LeasedItem]:
    return LeasedItem.objects.for_org(org).filter(contract=contract).order_by("make", "model", "pk")


def insurance_policies(org, contract: Contract) -> QuerySet[InsurancePolicy]:
    return InsurancePolicy.objects.for_org(org).filter(contract=contract).order_by("-start_date", "pk")


def calendar_feed_live(user, org) -> CalendarFeed | None:
    """The person's live payment calendar subscription to the organization, if any."""
    return CalendarFeed.objects.filter(user=user, organization=org, revoked_at__isnull=True).first()


def calendar_feed_by_hash(token_hash: str) -> CalendarFeed | None:
    """The live subscription with this secret (its hash), while its person is active and still a member
    of its organization; None otherwise (the feed is then a 404)."""
    found = (
        CalendarFeed.objects.select_related("user", "organization")
        .filter(token_hash=token_hash, revoked_at__isnull=True)
        .first()
    )
    if found is None or not found.user.is_active:
        return None
    if not (
        Membership.objects.for_org_id(found.organization_id)
        .filter(user_id=found.user_id, status=Membership.Status.ACTIVE)
        .exists()
    ):
        return None
    return found
