"""A request's template filled and signed in the portal instead of print-sign-scan: the filled statement (the
request's data, the client's text, then the template's own pages) is attached to the request and put «на
подпись»; signed with the SMS code, the copy with the signing sheet is attached to the request too."""

from __future__ import annotations

import pypdfium2
import pytest
from django.core.files.base import ContentFile

from kabinet.accounts.models import PhoneChallenge
from kabinet.accounts.services import challenge_code
from kabinet.appeals.models import Appeal, AppealKind, AppealStatus, AppealTopic
from kabinet.core.pdf import html_to_pdf
from kabinet.documents.models import Document
from kabinet.signatures.models import SignatureRequest
from kabinet.testing.factories import ContractFactory
from kabinet.testing.html import parse
from kabinet.testing.signing import signing_ready

RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}


def _texts(content: bytes) -> list[str]:
    pdf = pypdfium2.PdfDocument(content)
    try:
        return [" ".join(page.get_textpage().get_text_range().split()) for page in pdf]
    finally:
        pdf.close()


@pytest.fixture
def appeal(org_a, admin_a, products, settings):
    settings.SMS_RESEND_INTERVAL = 0
    topic = AppealTopic(
        kind=AppealKind.CONTRACT,
        name="Заявление на смену реквизитов",
        extra_fields=[{"name": "bank", "label": "Новый банк", "type": "text"}],
    )
    topic.template.save("template.pdf", ContentFile(html_to_pdf("<p>Template terms</p>")), save=False)
    topic.save()
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-0007")
    return Appeal.objects.create(
        organization=org_a,
        number="Z-0007",
        kind=AppealKind.CONTRACT,
        topic=topic,
        contract=contract,
        description="Просим сменить реквизиты",
        data={"bank": "Банк Пример"},
        created_by=admin_a,
    )


def test_the_template_is_filled_attached_signed_and_the_signed_copy_attached(appeal, org_a, admin_a, client):
    signing_ready(org_a, appeal.contract.product.creditor, admin_a, admin_a)
    client.force_login(admin_a)
    card = parse(client.get(f"/requests/{appeal.pk}/", **RU))
    link = card.find(data_testid="fill-template").find("a").get("href")
    assert link == f"/requests/{appeal.pk}/template/"

    response = client.post(link, {"text": " "}, **RU)
    assert response.status_code == 400
    assert "Напишите текст заявления" in parse(response).find(data_testid="template-form").text
    assert not Document.objects.exists()

    response = client.post(link, {"text": "Просим сменить банк на Банк Пример", "signer_position": "Директор"})
    request = SignatureRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/signatures/{request.pk}/"
    filled = request.document
    assert (filled.appeal_id, filled.direction, filled.organization_id) == (appeal.pk, "uploaded", org_a.pk)
    with filled.file.open("rb") as handle:
        pages = _texts(handle.read())
    assert "Z-0007" in pages[0] and "Банк Пример" in pages[0] and "Просим сменить банк" in pages[0]
    assert "Директор" in pages[0] and pages[-1] == "Template terms"

    client.post(f"/signatures/{request.pk}/code/")
    challenge = PhoneChallenge.objects.get(purpose=PhoneChallenge.Purpose.SIGNATURE)
    client.post(f"/signatures/{request.pk}/sign/", {"challenge": challenge.pk, "code": challenge_code(challenge)})
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.SIGNED
    copy = Document.objects.for_org(org_a).filter(appeal=appeal).exclude(pk=filled.pk).get()
    assert copy.original_name.endswith("(с листом подписания).pdf")
    with copy.file.open("rb") as handle:
        copy_pages = _texts(handle.read())
    assert len(copy_pages) == len(pages) + 1 and request.document_sha256 in copy_pages[-1].replace(" ", "")
    card = client.get(f"/requests/{appeal.pk}/", **RU).content.decode()
    assert copy.original_name in card


def test_no_template_or_a_closed_request_or_another_organization_is_404(appeal, user_b, admin_a, client):
    client.force_login(user_b)
    assert client.get(f"/requests/{appeal.pk}/template/").status_code == 404
    assert client.post(f"/requests/{appeal.pk}/template/", {"text": "x"}).status_code == 404
    client.force_login(admin_a)
    Appeal.objects.filter(pk=appeal.pk).update(status=AppealStatus.CLOSED)
    assert client.get(f"/requests/{appeal.pk}/template/").status_code == 404
    Appeal.objects.filter(pk=appeal.pk).update(status=AppealStatus.SENT, topic=None)
    assert client.get(f"/requests/{appeal.pk}/template/").status_code == 404
    assert not Document.objects.exists()
