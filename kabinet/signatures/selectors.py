"""Reads of the simple electronic signature for the client pages: the requests awaiting the organization's
signature, a request's signers and refusal, and what «Настройки» shows (the creditors' agreements, their
acceptance, who may sign). Every read is scoped to the organization."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from kabinet.contracts.models import Contract
from kabinet.creditors.models import Creditor
from kabinet.organizations.models import Membership, Organization
from kabinet.signatures.models import (
    AgreementAcceptance,
    SignatureAgreement,
    SignatureRefusal,
    SignatureRequest,
    SigningRight,
)

# The main page's block shows this many rows at most, with a link to the filtered «Документы».
DASHBOARD_ROWS = 5


def pending_requests(org: Organization) -> QuerySet[SignatureRequest]:
    """The organization's documents «на подпись», the nearest deadline first."""
    return (
        SignatureRequest.objects.for_org(org)
        .filter(status=SignatureRequest.Status.PENDING)
        .select_related("document")
        .defer("document__text", "document__search_vector")
        .order_by("deadline", "id")
    )


def dashboard_rows(org: Organization | None) -> list[SignatureRequest]:
    """The main page's «Документы на подпись»: one query, at most `DASHBOARD_ROWS` + 1 rows (the extra
    one says there are more)."""
    if org is None:
        return []
    return list(pending_requests(org).filter(deadline__gt=timezone.now())[: DASHBOARD_ROWS + 1])


def request_for_org(org: Organization, pk: int) -> SignatureRequest:
    """The organization's request with its document and creditor (404 for anyone else's)."""
    return (
        SignatureRequest.objects.for_org(org)
        .select_related("document", "creditor")
        .defer("document__text", "document__search_vector")
        .get(pk=pk)
    )


def refusal_of(request: SignatureRequest) -> SignatureRefusal | None:
    return (
        SignatureRefusal.objects.for_org_id(request.organization_id)
        .filter(request=request)
        .select_related("user")
        .first()
    )


def creditors_of(org: Organization) -> QuerySet[Creditor]:
    """The creditors whose documents the organization may be asked to sign: those it is a client of, those
    of its contracts, and those that put a document «на подпись» for it."""
    return (
        Creditor.objects.filter(
            Q(clients=org)
            | Q(pk__in=Contract.objects.for_org(org).values("product__creditor_id"))
            | Q(pk__in=SignatureRequest.objects.for_org(org).values("creditor_id"))
        )
        .order_by("name")
        .distinct()
    )


@dataclass
class CreditorAgreement:
    creditor: Creditor
    agreement: SignatureAgreement | None
    acceptance: AgreementAcceptance | None


def creditor_agreements(org: Organization) -> list[CreditorAgreement]:
    """Each creditor of the organization with its agreement in force and the organization's acceptance of it
    (three queries whatever the number of creditors)."""
    creditors = list(creditors_of(org))
    current: dict[int, SignatureAgreement] = {}
    for agreement in SignatureAgreement.objects.filter(creditor__in=creditors).order_by("creditor_id", "-version"):
        current.setdefault(agreement.creditor_id, agreement)
    accepted = {
        a.agreement_id: a
        for a in AgreementAcceptance.objects.for_org(org)
        .filter(agreement__in=list(current.values()))
        .select_related("accepted_by")
    }
    rows = []
    for creditor in creditors:
        in_force = current.get(creditor.pk)
        rows.append(CreditorAgreement(creditor, in_force, accepted.get(in_force.pk) if in_force else None))
    return rows


def signer_membership_ids(org: Organization) -> set[int]:
    """The memberships that have «Право подписи»."""
    return set(SigningRight.objects.for_org(org).values_list("membership_id", flat=True))


def active_members(org: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.for_org(org)
        .filter(status=Membership.Status.ACTIVE)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )
