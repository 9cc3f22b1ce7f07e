"""The simple electronic signature: who may sign, the SMS code and its attempts, the file's hash between
signers, the copy with a signing sheet, the public verification page, and one organization's request
out of another's reach."""

from __future__ import annotations

import datetime as dt
import io
import re

import pypdfium2
import pytest
from django.utils import timezone, translation

from kabinet.accounts.models import PhoneChallenge
from kabinet.accounts.services import ServiceError
from kabinet.audit import presentation
from kabinet.audit.models import ApiEvent, AuditEvent
from kabinet.messaging import sms
from kabinet.notifications.models import Notification
from kabinet.organizations.models import Membership
from kabinet.signatures import exports, services
from kabinet.signatures.models import Signature, SignatureRequest, SigningRight
from kabinet.testing.factories import ContractFactory, MembershipFactory, UserFactory
from kabinet.testing.routes import row_counts
from kabinet.testing.signing import (
    ORIGIN,
    agreement_for,
    pdf_document,
    put_for_signature,
    send_code,
    sign,
    signing_ready,
)


@pytest.fixture
def world(org_a, admin_a, manager_a, products, settings):
    settings.SMS_RESEND_INTERVAL = 0  # several codes to one phone within a test
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-0001")
    document = pdf_document(org_a, contract=contract)
    return {
        "org": org_a,
        "admin": admin_a,
        "manager": manager_a,
        "creditor": products["auto"].creditor,
        "document": document,
        "request": put_for_signature(document),
    }


def test_signing_without_the_accepted_agreement_is_refused(world):
    agreement_for(world["creditor"])
    membership = Membership.objects.get(organization=world["org"], user=world["admin"])
    services.signing_right_set(
        org=world["org"], actor=world["admin"], membership=membership, allowed=True, origin=ORIGIN
    )
    with pytest.raises(ServiceError, match="Организация не приняла соглашение"):
        send_code(world["request"], world["admin"])
    assert not PhoneChallenge.objects.filter(purpose=PhoneChallenge.Purpose.SIGNATURE).exists()


def test_signing_without_the_right_to_sign_is_refused(world):
    signing_ready(world["org"], world["creditor"], world["admin"])  # the agreement only, nobody may sign
    with pytest.raises(ServiceError, match="У вас нет права подписи"):
        send_code(world["request"], world["manager"])
    assert not Signature.objects.exists()


def test_only_the_administrator_accepts_the_agreement_and_gives_the_right(world):
    with pytest.raises(ServiceError, match="только администратор организации"):
        services.agreement_accept(
            org=world["org"], actor=world["manager"], agreement=agreement_for(world["creditor"]), origin=ORIGIN
        )
    membership = Membership.objects.get(organization=world["org"], user=world["manager"])
    with pytest.raises(ServiceError, match="только администратор организации"):
        services.signing_right_set(
            org=world["org"], actor=world["manager"], membership=membership, allowed=True, origin=ORIGIN
        )
    assert not SigningRight.objects.exists()


def test_the_right_to_sign_is_told_in_the_history_in_a_sentence(world):
    signing_ready(world["org"], world["creditor"], world["admin"], world["manager"])
    membership = Membership.objects.get(organization=world["org"], user=world["manager"])
    services.signing_right_set(
        org=world["org"], actor=world["admin"], membership=membership, allowed=False, origin=ORIGIN
    )
    events = list(AuditEvent.objects.for_org(world["org"]).filter(action="signing_right_changed").order_by("id"))
    with translation.override("ru"):
        told = [presentation.describe_sentence(e) for e in events]
        assert presentation.action_label("signing_right_changed") == "Изменено право подписи"
    assert told == [
        "Менеджеров Михаил: дано право подписи за организацию.",
        "Менеджеров Михаил: снято право подписи за организацию.",
    ]


def test_a_signature_records_the_file_hash_the_code_hash_and_where_it_came_from(world):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"])
    signature = sign(world["request"], world["admin"])
    world["request"].refresh_from_db()
    assert world["request"].status == SignatureRequest.Status.SIGNED
    assert signature.document_sha256 == world["request"].document_sha256 == services.document_sha256(world["document"])
    challenge = PhoneChallenge.objects.get(purpose=PhoneChallenge.Purpose.SIGNATURE)
    assert signature.code_hash == challenge.code_hash and challenge.confirmed_at is not None
    assert (signature.ip, signature.user_agent, signature.agreement_version) == ("192.0.2.10", "Test browser", 1)
    assert signature.phone == str(world["admin"].phone) and signature.signed_at.tzinfo is not None


def test_a_wrong_code_counts_attempts_and_locks_the_code_after_the_limit(world, settings):
    settings.SMS_CODE_ATTEMPTS = 3
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"])
    challenge, code = send_code(world["request"], world["admin"])
    wrong = "0" * len(code) if code != "0" * len(code) else "1" * len(code)
    messages = []
    for _ in range(3):
        with pytest.raises(ServiceError) as refused:
            services.signature_sign(
                request=world["request"], actor=world["admin"], challenge_id=challenge.pk, code=wrong, origin=ORIGIN
            )
        messages.append(refused.value.message)
    assert messages == [
        "Неверный код. Осталось попыток: 2.",
        "Неверный код. Осталось попыток: 1.",
        "Неверный код. Попыток не осталось: запросите новый код.",
    ]
    challenge.refresh_from_db()
    assert challenge.attempts == 3
    with pytest.raises(ServiceError, match="Слишком много неверных попыток"):
        services.signature_sign(
            request=world["request"], actor=world["admin"], challenge_id=challenge.pk, code=code, origin=ORIGIN
        )
    assert not Signature.objects.exists()
    world["request"].refresh_from_db()
    assert world["request"].status == SignatureRequest.Status.PENDING


def test_a_code_sent_for_one_document_signs_no_other(world):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"])
    other = put_for_signature(pdf_document(world["org"], title="Акт"), creditor=world["creditor"])
    challenge, code = send_code(other, world["admin"])
    with pytest.raises(ServiceError, match="Запросите новый код"):
        services.signature_sign(
            request=world["request"], actor=world["admin"], challenge_id=challenge.pk, code=code, origin=ORIGIN
        )
    assert not Signature.objects.exists()


def test_the_signing_code_goes_out_at_once_even_in_quiet_hours(world, settings, django_capture_on_commit_callbacks):
    settings.QUIET_HOURS_START, settings.QUIET_HOURS_END = dt.time(0, 0), dt.time(23, 59, 59)
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"])
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _, code = send_code(world["request"], world["admin"])
    texts = [m["text"] for m in sms.outbox if m["phone"] == str(world["admin"].phone)]
    assert texts == [f"Код для подписания документа в Кабинете: {code}. Никому его не сообщайте."]


def test_a_second_signer_after_a_change_of_the_file_is_refused_in_words(world, django_capture_on_commit_callbacks):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"], world["manager"])
    document = world["document"]
    request = services.signature_request_create(
        document=pdf_document(world["org"], title="Договор поручительства"),
        signers_required=2,
        deadline=timezone.now() + dt.timedelta(days=3),
        creditor=world["creditor"],
    )
    first = sign(request, world["admin"])
    stored = request.document
    with stored.file.open("wb") as handle:  # the file replaced in storage after the first signature
        handle.write(b"%PDF-1.4 another text")
    with pytest.raises(ServiceError) as refused:
        sign(request, world["manager"])
    assert "Файл документа изменился после первой подписи" in refused.value.message
    assert first.document_sha256 in refused.value.message
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.PENDING
    assert list(request.signatures.values_list("signer", flat=True)) == [world["admin"].pk]
    assert document.pk != stored.pk


def test_two_signers_make_the_request_signed_and_each_signature_is_an_event(world):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"], world["manager"])
    request = put_for_signature(pdf_document(world["org"], title="Соглашение"), signers=2, creditor=world["creditor"])
    sign(request, world["admin"])
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.PENDING
    sign(request, world["manager"])
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.SIGNED and request.completed_at is not None
    events = list(ApiEvent.objects.filter(kind=ApiEvent.Kind.DOCUMENT_SIGNED).order_by("id"))
    assert [(e.payload["status"], e.payload["signatures"], e.creditor_id) for e in events] == [
        ("pending", 1, world["creditor"].pk),
        ("signed", 2, world["creditor"].pk),
    ]
    with pytest.raises(ServiceError, match="Документ не ждёт подписи: Подписан"):
        send_code(request, world["admin"])


def test_a_refusal_takes_a_reason_and_ends_the_request(world):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"])
    with pytest.raises(ServiceError) as refused:
        services.signature_refuse(request=world["request"], actor=world["admin"], reason="  ", origin=ORIGIN)
    assert refused.value.field == "reason"
    services.signature_refuse(request=world["request"], actor=world["admin"], reason="Неверная сумма", origin=ORIGIN)
    world["request"].refresh_from_db()
    assert world["request"].status == SignatureRequest.Status.REFUSED
    event = ApiEvent.objects.get(kind=ApiEvent.Kind.DOCUMENT_SIGNATURE_REFUSED)
    assert event.payload["reason"] == "Неверная сумма" and event.creditor_id == world["creditor"].pk


def test_a_request_past_its_deadline_cannot_be_signed_and_is_marked_expired(world):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"])
    SignatureRequest.objects.filter(pk=world["request"].pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    world["request"].refresh_from_db()
    assert world["request"].shown_status == "Просрочен"
    with pytest.raises(ServiceError, match="Срок подписания истёк"):
        send_code(world["request"], world["admin"])
    assert services.signature_requests_expire() == 1
    world["request"].refresh_from_db()
    assert world["request"].status == SignatureRequest.Status.EXPIRED


def _pdf_texts(content: bytes) -> list[str]:
    pdf = pypdfium2.PdfDocument(content)
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def test_the_signed_copy_is_the_original_plus_a_signing_sheet_naming_signer_and_hash(world):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"])
    sign(world["request"], world["admin"])
    world["request"].refresh_from_db()
    with world["document"].file.open("rb") as handle:
        original = handle.read()
    copy = exports.signed_copy_pdf(world["request"])
    original_pages, copy_pages = _pdf_texts(original), _pdf_texts(copy)
    assert len(copy_pages) == len(original_pages) + 1
    assert copy_pages[: len(original_pages)] == original_pages
    sheet = copy_pages[-1]
    assert "Админов Алексей" in " ".join(sheet.split())  # a table cell may wrap the name
    assert world["request"].document_sha256 in re.sub(r"\s+", "", sheet)
    assert world["request"].public_id in re.sub(r"\s+", "", sheet)
    with world["document"].file.open("rb") as handle:
        assert handle.read() == original  # the stored file is never altered


def test_the_verification_page_shows_the_signatures_and_writes_nothing(world, client):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"])
    sign(world["request"], world["admin"])
    world["request"].refresh_from_db()
    before = row_counts()
    response = client.get(f"/signatures/verify/{world['request'].public_id}/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Админов Алексей" in page and world["request"].document_sha256 in page and "Подписан" in page
    assert row_counts() == before
    assert client.post(f"/signatures/verify/{world['request'].public_id}/").status_code == 405
    assert client.get("/signatures/verify/not-a-real-id/").status_code == 404


def test_another_organizations_request_is_out_of_reach(world, org_b, user_b, client):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"])
    sign(world["request"], world["admin"])
    client.force_login(user_b)
    assert client.get(f"/signatures/{world['request'].pk}/signed-copy.pdf").status_code == 404
    pending = put_for_signature(pdf_document(world["org"], title="Акт"), creditor=world["creditor"])
    with pytest.raises(ServiceError, match="У вас нет права подписи"):
        send_code(pending, user_b)  # a member of another organization, even an administrator there
    stranger = MembershipFactory(user=UserFactory(), organization=org_b, role=Membership.Role.ADMIN)
    membership_a = Membership.objects.get(organization=world["org"], user=world["admin"])
    with pytest.raises(ServiceError, match="В организации нет такого сотрудника"):
        services.signing_right_set(
            org=org_b, actor=stranger.user, membership=membership_a, allowed=False, origin=ORIGIN
        )
    assert SigningRight.objects.filter(membership=membership_a).exists()


def test_a_member_downloads_the_signed_copy(world, client):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"])
    sign(world["request"], world["admin"])
    client.force_login(world["admin"])
    response = client.get(f"/signatures/{world['request'].pk}/signed-copy.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert len(_pdf_texts(response.content)) == 2
    assert io.BytesIO(response.content).read(5) == b"%PDF-"


def test_the_employees_who_may_sign_are_told_of_a_document_put_for_signature(world):
    signing_ready(world["org"], world["creditor"], world["admin"], world["manager"])
    put_for_signature(pdf_document(world["org"], title="Акт приёма-передачи"), creditor=world["creditor"])
    told = Notification.objects.for_org(world["org"]).filter(title__contains="Акт приёма-передачи")
    assert list(told.values_list("user", flat=True)) == [world["manager"].pk]
    assert told.get().title == "Документ на подпись: Акт приёма-передачи"
