"""The client side of the simple electronic signature: «Настройки» → «Электронная подпись» (the agreement,
«Право подписи»), the main page's «Документы на подпись», «Документы»' filter and badge, the signing page
(page pictures, the SMS code and its errors next to the field, the refusal), one organization's pages out
of another's reach, GETs that write nothing and lists whose query count does not grow."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.accounts.models import PhoneChallenge
from kabinet.accounts.services import challenge_code
from kabinet.audit.models import AuditEvent
from kabinet.organizations.models import Membership
from kabinet.signatures.models import AgreementAcceptance, Signature, SignatureRequest, SigningRight
from kabinet.testing.exports import no_writes
from kabinet.testing.factories import ContractFactory
from kabinet.testing.html import parse
from kabinet.testing.signing import agreement_for, pdf_document, put_for_signature, sign, signing_ready


@pytest.fixture
def world(org_a, admin_a, manager_a, products, settings):
    settings.SMS_RESEND_INTERVAL = 0
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-0001")
    document = pdf_document(org_a, contract=contract, lines=("Первая страница",))
    return {
        "org": org_a,
        "admin": admin_a,
        "manager": manager_a,
        "creditor": products["auto"].creditor,
        "contract": contract,
        "document": document,
        "request": put_for_signature(document),
    }


RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}
DASHBOARD = reverse("contracts:dashboard")
TO_SIGN = reverse("signatures:to_sign")


def test_the_settings_say_why_nothing_can_be_signed_until_the_admin_accepts_and_grants(world, client):
    agreement = agreement_for(world["creditor"])
    client.force_login(world["admin"])
    page = parse(no_writes(client, "/settings/signature/"))
    assert "Подписывать документы пока нельзя" in page.find(data_testid="why-not").text
    assert "Стороны признают ПЭП." in page.find(data_testid="agreement-text").text
    assert "редакция 1" in page.find(data_testid="agreement").text

    # Not ticked: nothing accepted, said in words.
    client.post(f"/settings/signature/agreements/{agreement.pk}/accept/")
    assert not AgreementAcceptance.objects.exists()
    response = client.post(f"/settings/signature/agreements/{agreement.pk}/accept/", {"agree": "1"}, follow=True, **RU)
    acceptance = AgreementAcceptance.objects.get()
    assert (acceptance.organization, acceptance.accepted_by, acceptance.version) == (world["org"], world["admin"], 1)
    assert "Админов Алексей" in parse(response).find(data_testid="acceptance").text

    manager = Membership.objects.get(organization=world["org"], user=world["manager"])
    client.post(f"/settings/signature/employees/{manager.pk}/", {"allowed": "1"})
    assert SigningRight.objects.filter(membership=manager).exists()
    assert AuditEvent.objects.for_org(world["org"]).filter(action="signing_right_changed").count() == 1
    history = client.get("/settings/history/", **RU).content.decode()
    assert "Менеджеров Михаил: дано право подписи за организацию." in history
    page = parse(client.get("/settings/signature/", **RU))
    assert page.find_all(data_testid="why-not") == []


def test_a_manager_sees_the_settings_but_cannot_accept_or_grant(world, client):
    agreement = agreement_for(world["creditor"])
    client.force_login(world["manager"])
    page = client.get("/settings/signature/", **RU).content.decode()
    assert "Принять соглашение" not in page and "администратор организации принимает его здесь" in page
    response = client.post(f"/settings/signature/agreements/{agreement.pk}/accept/", {"agree": "1"}, follow=True, **RU)
    assert "Принять соглашение может только администратор организации" in response.content.decode()
    membership = Membership.objects.get(organization=world["org"], user=world["manager"])
    client.post(f"/settings/signature/employees/{membership.pk}/", {"allowed": "1"})
    assert not AgreementAcceptance.objects.exists() and not SigningRight.objects.exists()


def test_the_signing_page_says_why_signing_is_blocked(world, client):
    client.force_login(world["manager"])
    page = parse(no_writes(client, f"/signatures/{world['request'].pk}/"))
    assert "соглашение" in page.find(data_testid="blocked").text.lower()
    assert page.find_all(data_testid="sign-button") == []


def test_signing_on_the_page_with_the_code_from_the_sms(world, client):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"])
    client.force_login(world["admin"])
    url = f"/signatures/{world['request'].pk}/"
    page = parse(no_writes(client, url))
    images = page.find(data_testid="pages").find_all("img")
    assert len(images) == 1
    picture = client.get(images[0].get("src"))
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert picture.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get(f"/signatures/{world['request'].pk}/pages/2.png").status_code == 404

    response = client.post(f"{url}code/")
    assert response.status_code == 302 and "?challenge=" in response["Location"]
    challenge = PhoneChallenge.objects.get(purpose=PhoneChallenge.Purpose.SIGNATURE)
    page = parse(client.get(response["Location"], **RU))
    form = page.find(data_testid="code-form")
    assert form.find("input", name="challenge").get("value") == str(challenge.pk)

    code = challenge_code(challenge)
    wrong = "0" * len(code) if code != "0" * len(code) else "1" * len(code)
    response = client.post(f"{url}sign/", {"challenge": challenge.pk, "code": wrong}, **RU)
    assert response.status_code == 400
    field_error = parse(response).find(data_testid="code-form").text
    assert "Неверный код. Осталось попыток" in field_error
    challenge.refresh_from_db()
    assert challenge.attempts == 1

    response = client.post(f"{url}sign/", {"challenge": challenge.pk, "code": code})
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.signer == world["admin"]
    world["request"].refresh_from_db()
    assert world["request"].status == SignatureRequest.Status.SIGNED
    page = parse(client.get(url, **RU))
    assert "Админов Алексей" in page.find(data_testid="signatures").text
    copy = client.get(page.find(data_testid="signed-copy").get("href"))
    assert copy.status_code == 200 and copy["Content-Type"] == "application/pdf"
    with world["document"].file.open("rb") as handle:
        original = handle.read()
    # The copy begins with the original's bytes: the verification page checks a downloaded copy too.
    assert copy.content[: len(original)] == original


def test_refusing_needs_a_reason_said_next_to_the_field(world, client):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"])
    client.force_login(world["admin"])
    url = f"/signatures/{world['request'].pk}/"
    response = client.post(f"{url}refuse/", {"reason": " "}, **RU)
    assert response.status_code == 400
    assert "Укажите причину отказа" in parse(response).find(data_testid="refuse-form").text
    response = client.post(f"{url}refuse/", {"reason": "Неверная сумма"}, follow=True, **RU)
    assert "Неверная сумма" in parse(response).find(data_testid="refusal").text
    world["request"].refresh_from_db()
    assert world["request"].status == SignatureRequest.Status.REFUSED


def test_another_organizations_signing_page_pictures_and_actions_are_404(world, org_b, user_b, client):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"])
    sign(world["request"], world["admin"])
    client.force_login(user_b)
    pk = world["request"].pk
    for url in (f"/signatures/{pk}/", f"/signatures/{pk}/pages/1.png", f"/signatures/{pk}/signed-copy.pdf"):
        assert client.get(url).status_code == 404, url
    for url in (f"/signatures/{pk}/code/", f"/signatures/{pk}/sign/", f"/signatures/{pk}/refuse/"):
        assert client.post(url, {"reason": "x", "code": "1", "challenge": "1"}).status_code == 404, url
    membership_a = Membership.objects.get(organization=world["org"], user=world["admin"])
    assert client.post(f"/settings/signature/employees/{membership_a.pk}/", {"allowed": "0"}).status_code == 404
    assert SigningRight.objects.filter(membership=membership_a).exists()


def test_the_main_page_block_shows_documents_to_sign_only_when_there_are_any(world, client):
    client.force_login(world["admin"])
    slot = parse(client.get(DASHBOARD, **RU)).find(data_testid="to-sign-slot")
    assert slot.get("hx-get") == TO_SIGN and slot.get("hx-trigger") == "load"
    block = parse(no_writes(client, TO_SIGN)).find(data_testid="to-sign")
    assert "Дополнительное соглашение" in block.text
    assert block.find("a").get("href") == f"/signatures/{world['request'].pk}/"
    for i in range(6):
        put_for_signature(pdf_document(world["org"], title=f"Акт {i}", contract=world["contract"]))
    block = parse(client.get(TO_SIGN, **RU)).find(data_testid="to-sign")
    assert len(block.find("tbody").find_all("tr")) == 5  # bounded, with a link to the rest
    assert block.find_all("a", href="/documents/?signature=pending")
    SignatureRequest.objects.update(status=SignatureRequest.Status.SIGNED)
    assert client.get(TO_SIGN).content.decode().strip() == ""


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_main_page_block_and_the_documents_list_keep_their_query_count(world, client):
    client.force_login(world["admin"])
    urls = (DASHBOARD, TO_SIGN, "/documents/", "/documents/?signature=pending")
    for url in urls:
        client.get(url)  # header caches warm
    before = [_queries(client, url) for url in urls]
    for i in range(8):
        document = pdf_document(world["org"], title=f"Акт {i}", contract=world["contract"])
        put_for_signature(document)
    assert [_queries(client, url) for url in urls] == before


def test_the_documents_list_filters_and_marks_the_signature_status(world, client):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"])
    refused = put_for_signature(pdf_document(world["org"], title="Отклонённый акт", contract=world["contract"]))
    client.force_login(world["admin"])
    client.post(f"/signatures/{refused.pk}/refuse/", {"reason": "Не согласны"})
    pdf_document(world["org"], title="Обычный счёт", contract=world["contract"])

    def titles(query):
        page = parse(client.get(f"/documents/?{query}", **RU))
        tables = page.find_all(data_testid="documents-table")
        return sorted(t.text for table in tables for t in table.find_all("span", class_="fw-semibold"))

    assert titles("signature=pending") == ["Дополнительное соглашение"]
    assert titles("signature=refused") == ["Отклонённый акт"]
    assert titles("signature=signed") == []
    page = parse(client.get("/documents/", **RU))
    badges = sorted(b.text for b in page.find_all(data_testid="signature-status"))
    assert badges == ["на подпись", "отказ"]
