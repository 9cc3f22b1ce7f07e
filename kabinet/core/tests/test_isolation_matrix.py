"""Tenant isolation of the client side, generated from the URL conf: every page and action that takes an
id, called by an administrator of organization A with every id of organization B's objects, is a 404
(or 405) and writes nothing; every page without an id shows nothing of B. A view added tomorrow is
walked too: it is found in the URL conf, not in a list here."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kabinet.api.models import ApiToken
from kabinet.appeals.models import Appeal, AppealKind
from kabinet.contracts.models import InsurancePolicy
from kabinet.core.access import SUDO_KEY
from kabinet.documents.models import Document
from kabinet.invoices.services import payment_invoice_issue
from kabinet.notifications.models import Notification
from kabinet.organizations.models import Invitation, Membership
from kabinet.signatures.models import SignatureRequest
from kabinet.signatures.qualified_models import QualifiedSignature
from kabinet.support.services import thread_create
from kabinet.testing.factories import (
    ContractFactory,
    DebtFactory,
    LeasedItemFactory,
    MembershipFactory,
    OrganizationFactory,
    ScheduledPaymentFactory,
    UserFactory,
)
from kabinet.testing.routes import row_counts, url_patterns

# Patterns with parameters that are not an organization's objects, and why.
NOT_ORGANIZATION_OWNED = {
    "creditors:switch": "a creditor section of the header, the same for every client",
    "creditors:rules_download": "the creditor's leasing rules, published to every client",
    "appeals:template_download": "a blank request template, the same for every client",
    "accounts:legal": "the public legal texts (agreement, consents)",
    "accounts:password_reset_confirm": "a signed one-time link, not an id",
    "organizations:invitation": "a random one-time link, not an id",
    "contracts:calendar_feed": "a revocable secret feed address, not an id (its own tests: a revoked secret is 404)",
    "notifications:unsubscribe": "a signed one-click unsubscribe address of one person and kind, not an id",
    "notifications:short": "a random short code of an SMS that only redirects to a portal path; the page itself checks "
    "the organization",
    "accounts:session_end": "the user's own session, not an organization's (another user's is 404: its own tests)",
    "signatures:verify": "the public verification page behind a signing sheet's QR code, by an unguessable id "
    "(its own tests: it shows the signatures and writes nothing)",
}
CLIENT_SIDE_EXCLUDED_PREFIXES = ("admin/", "api/")


def _client_routes():
    return [r for r in url_patterns() if not r.route.startswith(CLIENT_SIDE_EXCLUDED_PREFIXES)]


@pytest.fixture
def b_world(creditor, products):
    org = OrganizationFactory(name="ООО «Чужая»")
    user = UserFactory(full_name="Чужов Чеслав")
    MembershipFactory(user=user, organization=org, role=Membership.Role.ADMIN)
    MembershipFactory(organization=org, role=Membership.Role.MANAGER)
    contract = ContractFactory(organization=org, product=products["auto"], number="CHUZH-001")
    LeasedItemFactory(contract=contract)
    InsurancePolicy.objects.create(
        organization=org,
        contract=contract,
        insurer="Страховщик",
        policy_number="POL-CHUZH",
        start_date=timezone.localdate(),
        end_date=timezone.localdate() + timedelta(days=365),
    )
    payment = ScheduledPaymentFactory(contract=contract, number=1)
    DebtFactory(contract=contract)
    payment_invoice_issue(org=org, payment_id=payment.pk)
    document = Document.objects.create(
        organization=org,
        contract=contract,
        doc_type="Акт",
        title="Акт чужой",
        document_date=timezone.localdate(),
        file=SimpleUploadedFile("b.pdf", b"%PDF-1.4"),
        original_name="b.pdf",
    )
    SignatureRequest.objects.create(
        organization=org, document=document, creditor=creditor, deadline=timezone.now() + timedelta(days=3)
    )
    QualifiedSignature.objects.create(
        organization=org,
        document=document,
        signature_file=SimpleUploadedFile("b.sig", b"0"),
        original_name="b.sig",
        signature_sha256="0" * 64,
        document_sha256="0" * 64,
        digest_algorithm="streebog256",
        message_digest="0" * 64,
        verified=True,
        signer_name="Чужов Чеслав",
        issuer="УЦ",
        certificate_serial="1",
    )
    Appeal.objects.create(
        organization=org, number="Z-CHUZH", kind=AppealKind.CONTRACT, contract=contract, description="Чужая"
    )
    thread_create(
        org=org,
        user=user,
        topic="Чужой вопрос",
        body="Текст",
        files=[SimpleUploadedFile("q.pdf", b"%PDF-1.4", content_type="application/pdf")],
    )
    Notification.objects.create(organization=org, user=user, kind=Notification.Kind.choices[0][0], title="Чужое")
    Invitation.objects.create(
        organization=org,
        phone="+79215550101",
        full_name="Чужой приглашённый",
        invited_by=user,
        expires_at=timezone.now() + timedelta(days=7),
    )
    ApiToken.issue(name="Чужая 1С", organization=org, allowed_ips="192.0.2.0/24")
    return {
        "org": org,
        "markers": [
            "ООО «Чужая»",
            "Чужов",
            "CHUZH",
            "Акт чужой",
            "Чужой вопрос",
            "Чужое",
            "Чужой приглашённый",
            "Чужая 1С",
            "192.0.2.0",
        ],
    }


def _ids_of(org) -> set[int]:
    """Every primary key of every row of the organization (and of its members' memberships)."""
    from django.apps import apps

    ids: set[int] = set()
    for model in apps.get_models():
        if any(f.name == "organization" for f in model._meta.concrete_fields):
            ids.update(model._default_manager.filter(organization=org).values_list("pk", flat=True))
    return ids


@pytest.fixture
def admin_client_a(b_world, org_a):
    ids = _ids_of(b_world["org"])
    # A's own rows get ids B's rows do not have, so a 200 can only mean B's row leaked.
    user = UserFactory(pk=max(ids) + 1000, full_name="Админов Алексей")
    MembershipFactory(pk=max(ids) + 1000, user=user, organization=org_a, role=Membership.Role.ADMIN)
    client = Client()
    client.force_login(user)
    session = client.session
    session[SUDO_KEY] = time.time() + 3600  # the password was just confirmed: no detour before the lookup
    session.save()
    return client, sorted(ids)


def test_every_pattern_with_parameters_is_walked_or_explained():
    for route in _client_routes():
        if route.params and route.name not in NOT_ORGANIZATION_OWNED:
            assert all(conv == "int" for _, conv in route.params), (
                f"{route.route}: an id that is not an integer; walk it here or explain it"
            )


def test_every_client_url_with_another_organizations_ids_is_404_and_writes_nothing(admin_client_a):
    client, ids = admin_client_a
    walked = 0
    routes = 0
    for route in _client_routes():
        if not route.params or route.name in NOT_ORGANIZATION_OWNED:
            continue
        routes += 1
        before = row_counts()
        for value in ids:
            url = route.fill({name: value for name, _ in route.params})
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code in (404, 405), (method, url, response.status_code)
                walked += 1
        assert row_counts() == before, route.route
    assert routes >= 19 and walked == routes * len(ids) * 2


def test_no_client_page_without_an_id_shows_another_organizations_data(admin_client_a, b_world):
    client, _ = admin_client_a
    for route in _client_routes():
        if route.params or route.name == "accounts:logout":
            continue
        response = client.get("/" + route.route)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/"):
            continue
        text = response.content.decode()
        assert not [m for m in b_world["markers"] if m in text], route.route
