"""The qualified signature (КЭП): detached CAdES-BES signatures made by OpenSSL's GOST engine (an
implementation independent of the portal's gostcrypto) verify with the certificate's owner; a changed
file, another key and a file that is no signature fail in words; the records are the organization's own."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kabinet.accounts.services import ServiceError
from kabinet.api.models import ApiToken
from kabinet.audit import presentation
from kabinet.audit.models import ApiEvent, AuditEvent
from kabinet.organizations.models import Membership
from kabinet.signatures import qualified, qualified_services, services
from kabinet.signatures.models import SignatureRequest
from kabinet.signatures.qualified_models import QualifiedSignature
from kabinet.testing.factories import ContractFactory, CreditorFactory
from kabinet.testing.gost import GostSigner, rsa_signature
from kabinet.testing.html import parse
from kabinet.testing.signing import ORIGIN, pdf_document, put_for_signature, sign, signing_ready


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gost")


@pytest.fixture(scope="module")
def signer(keys) -> GostSigner:
    return GostSigner.make(keys / "a")


@pytest.fixture
def world(org_a, admin_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-0007")
    document = pdf_document(org_a, contract=contract, title="Допсоглашение 7")
    return {"org": org_a, "admin": admin_a, "document": document, "creditor": products["auto"].creditor}


def _content(document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def _upload(client, document, content: bytes, name: str = "Допсоглашение 7.pdf.sig"):
    return client.post(
        reverse("signatures:qualified", args=[document.pk]),
        {"signature_file": SimpleUploadedFile(name, content, content_type="application/octet-stream")},
    )


def _error(response) -> str:
    found = parse(response).find_all(data_testid="qualified-error")
    return found[0].text if found else ""


# ---------------------------------------------------------------------------------------------
# The check itself


@pytest.mark.parametrize(
    ("bits", "paramset", "digest"),
    [
        (256, "A", "streebog256"),  # CryptoPro-A, the usual 256-bit key of CryptoPro CSP
        (256, "TCA", "streebog256"),  # tc26 256 A, a twisted Edwards curve
        (256, "XA", "streebog256"),  # CryptoPro-XchA
        (512, "A", "streebog512"),
        (512, "C", "streebog512"),  # tc26 512 C, twisted Edwards
    ],
)
def test_an_openssl_gost_signature_verifies_on_every_standard_curve(keys, bits, paramset, digest):
    made = GostSigner.make(keys / f"{bits}{paramset}", bits=bits, paramset=paramset)
    content = f"Договор лизинга {bits}-{paramset}".encode()
    result = qualified.verify_detached(made.sign(content), [content], len(content))
    assert (result.verified, result.code, result.digest_algorithm, result.key_bits) == (True, "", digest, bits)
    cert = result.certificate
    assert (cert.owner, cert.inn, cert.inn_le, cert.ogrn, cert.snils) == (
        "Иванов Иван Иванович",
        "007707083893",
        "7707083893",
        "1027700132195",
        "11223344595",
    )
    assert cert.issuer == "ООО «Ромашка»" and cert.serial == format(4242, "x")
    assert cert.valid_from is not None and cert.valid_to is not None and cert.valid_from < cert.valid_to
    assert result.signing_time is not None


def test_a_base64_signature_as_cryptopro_exports_it_verifies(signer):
    content = b"%PDF-1.4 a document"
    armoured = signer.sign(content, pem=True)
    assert armoured.startswith(b"-----BEGIN")
    assert qualified.verify_detached(armoured, [content], len(content)).verified
    bare = b"".join(line for line in armoured.splitlines(keepends=True) if not line.startswith(b"-----"))
    assert qualified.verify_detached(bare, [content], len(content)).verified


def test_a_changed_file_fails_on_the_digest(signer):
    content = b"the signed text"
    result = qualified.verify_detached(signer.sign(content), [content + b"!"], len(content) + 1)
    assert (result.verified, result.signature_valid, result.code) == (False, True, "digest_mismatch")


def test_a_signature_by_another_key_fails(signer, keys):
    other = GostSigner.make(keys / "other")  # the same owner, issuer and serial number: only the key differs
    content = b"the signed text"
    original = signer.sign(content)
    mine, theirs = signer.certificate_der(), other.certificate_der()
    assert mine in original and len(mine) == len(theirs)
    result = qualified.verify_detached(original.replace(mine, theirs), [content], len(content))
    assert (result.verified, result.signature_valid, result.code) == (False, False, "signature_invalid")


def test_a_certificate_not_valid_at_the_signing_time_fails(signer, monkeypatch):
    content = b"the signed text"
    real = qualified.read_signature

    def expired(raw: bytes) -> qualified.Verification:
        result = real(raw)
        assert result.signing_time is not None
        before = result.signing_time - dt.timedelta(days=30)
        result.certificate = dataclasses.replace(result.certificate, valid_to=before)
        return result

    monkeypatch.setattr(qualified, "read_signature", expired)
    result = qualified.verify_detached(signer.sign(content), [content], len(content))
    assert (result.verified, result.code) == (False, "not_valid_at_signing")


def test_a_signature_that_is_not_gost_is_refused_as_such(keys):
    content = b"the signed text"
    with pytest.raises(qualified.SignatureFileError) as refused:
        qualified.verify_detached(rsa_signature(keys / "rsa", content), [content], len(content))
    assert refused.value.code == "unsupported"


@pytest.mark.parametrize("garbage", [b"", b"not a signature at all", b"\x30\x03\x02\x01\x01", b"%PDF-1.4\n%%EOF"])
def test_a_file_that_is_no_signature_is_refused(garbage):
    with pytest.raises(qualified.SignatureFileError) as refused:
        qualified.verify_detached(garbage, [b"x"], 1)
    assert refused.value.code == "not_cms"


# ---------------------------------------------------------------------------------------------
# The page, the record, the history and the event


def test_a_valid_signature_is_kept_with_the_owner_and_told_to_the_creditor(client_a, world, signer):
    document = world["document"]
    request = put_for_signature(document)
    content = _content(document)
    response = _upload(client_a, document, signer.sign(content))
    assert response.status_code == 302, _error(response)
    record = QualifiedSignature.objects.for_org(world["org"]).get(document=document)
    assert record.verified and record.failure == ""
    assert (record.signer_name, record.inn, record.inn_le, record.ogrn, record.snils) == (
        "Иванов Иван Иванович",
        "007707083893",
        "7707083893",
        "1027700132195",
        "11223344595",
    )
    assert record.organization_name == "ООО «Ромашка»" and record.title == "Генеральный директор"
    assert record.document_sha256 == hashlib.sha256(content).hexdigest()
    assert record.digest_algorithm == "streebog256" and len(record.message_digest) == 64
    with record.signature_file.open("rb") as kept:
        assert qualified.verify_detached(kept.read(), [content], len(content)).verified  # the very file kept
    assert record.uploaded_by == world["admin"] and record.ip

    event = ApiEvent.objects.get(kind=ApiEvent.Kind.DOCUMENT_SIGNED)
    assert event.creditor_id == world["creditor"].pk and event.organization_id == world["org"].pk
    assert event.payload["signature_kind"] == "qualified"
    assert event.payload["certificate"]["inn_le"] == "7707083893"
    assert event.payload["chain_checked"] is False
    assert event.payload["signature_request"] == request.public_id

    audit = AuditEvent.objects.for_org(world["org"]).get(action="document_signed_qualified")
    with translation.override("ru"):
        assert presentation.action_label("document_signed_qualified") == "Документ подписан КЭП"
        assert presentation.describe_sentence(audit) == (
            "«Допсоглашение 7» подписан КЭП: Иванов Иван Иванович (ИНН 7707083893, сертификат выдал "
            f"ООО «Ромашка»); SHA-256 файла {record.document_sha256}."
        )

    history = client_a.get(reverse("organizations:history")).content.decode()
    assert "Документ подписан КЭП" in history and "Иванов Иван Иванович (ИНН 7707083893" in history

    page = client_a.get(reverse("signatures:qualified", args=[document.pk]))
    html = parse(page)
    assert [e.text for e in html.find_all(data_testid="qualified-owner")] == ["Иванов Иван Иванович"]
    assert html.find_all(data_testid="qualified-status")[0].text == "Подпись подтверждена"
    assert html.find_all(data_testid="qualified-snils")[0].text == "11223344595"
    assert "не проверяются" in html.find_all(data_testid="qualified-chain-note")[0].text

    public = parse(client_a.get(reverse("signatures:verify", args=[request.public_id])))
    shown = public.find_all(data_testid="qualified-signature")
    assert len(shown) == 1 and "Иванов Иван Иванович" in shown[0].text and "7707083893" in shown[0].text
    assert "11223344595" not in public.text  # no SNILS on a public page


def test_the_same_file_twice_is_one_record(client_a, world, signer):
    signature = signer.sign(_content(world["document"]))
    assert _upload(client_a, world["document"], signature).status_code == 302
    assert _upload(client_a, world["document"], signature).status_code == 302
    assert QualifiedSignature.objects.count() == 1 and ApiEvent.objects.count() == 1


def test_a_signature_of_another_file_is_refused_next_to_the_field_and_kept_as_not_verified(client_a, world, signer):
    response = _upload(client_a, world["document"], signer.sign(b"another file"))
    assert response.status_code == 400
    assert _error(response) == ("Подпись сделана для другого файла: хеш документа не совпадает с подписанным.")
    record = QualifiedSignature.objects.get()
    assert not record.verified and record.failure == _error(response)
    assert not ApiEvent.objects.exists()
    audit = AuditEvent.objects.for_org(world["org"]).get(action="qualified_signature_rejected")
    with translation.override("ru"):
        assert "не подтверждена" in presentation.describe_sentence(audit)


def test_a_signature_by_another_key_is_refused_next_to_the_field(client_a, world, signer, keys):
    other = GostSigner.make(keys / "forger")
    original = signer.sign(_content(world["document"]))
    response = _upload(client_a, world["document"], original.replace(signer.certificate_der(), other.certificate_der()))
    assert response.status_code == 400
    assert _error(response) == "Подпись недействительна: она сделана не ключом сертификата, который в ней."
    assert not ApiEvent.objects.exists()


def test_a_garbage_file_gives_the_russian_error_and_keeps_nothing(client_a, world):
    response = _upload(client_a, world["document"], b"%PDF-1.4 this is no signature", name="scan.pdf")
    assert response.status_code == 400
    assert _error(response) == "Файл не является электронной подписью (CMS, .sig)."
    assert (
        not QualifiedSignature.objects.exists() and not AuditEvent.objects.filter(action__contains="qualified").exists()
    )


def test_a_too_large_file_is_refused(client_a, world):
    response = _upload(client_a, world["document"], b"0" * (qualified.MAX_SIGNATURE_BYTES + 1))
    assert response.status_code == 400
    assert _error(response) == "Файл подписи слишком велик (больше 1024 КБ)."
    assert not QualifiedSignature.objects.exists()


def test_a_document_too_large_to_hash_here_is_said_so(client_a, world, signer, monkeypatch):
    monkeypatch.setattr(qualified_services, "MAX_DOCUMENT_BYTES", 100)
    response = _upload(client_a, world["document"], signer.sign(_content(world["document"])))
    assert response.status_code == 400
    assert _error(response).startswith("Документ слишком велик, чтобы проверить его подпись в портале")
    assert not QualifiedSignature.objects.exists()


def test_no_file_is_asked_for_in_words(client_a, world):
    response = client_a.post(reverse("signatures:qualified", args=[world["document"].pk]), {})
    assert response.status_code == 400 and _error(response) == "Выберите файл подписи (.sig)."


# ---------------------------------------------------------------------------------------------
# Isolation


def test_another_organization_can_neither_upload_nor_see_nor_download(client, world, signer, user_b):
    client.force_login(world["admin"])
    document = world["document"]
    signature = signer.sign(_content(document))
    assert _upload(client, document, signature).status_code == 302
    record = QualifiedSignature.objects.get()

    client.force_login(user_b)
    assert client.get(reverse("signatures:qualified", args=[document.pk])).status_code == 404
    assert _upload(client, document, signature).status_code == 404
    assert client.get(reverse("signatures:qualified_file", args=[record.pk])).status_code == 404
    assert QualifiedSignature.objects.count() == 1


def test_the_back_office_lists_qualified_signatures(client, staff, world, signer):
    client.force_login(world["admin"])
    assert _upload(client, world["document"], signer.sign(_content(world["document"]))).status_code == 302
    client.force_login(staff)
    listing = client.get(reverse("admin:signatures_qualifiedsignature_changelist"))
    assert listing.status_code == 200 and "Иванов Иван Иванович" in listing.content.decode()
    record = QualifiedSignature.objects.get()
    assert client.get(reverse("admin:signatures_qualifiedsignature_change", args=[record.pk])).status_code == 200


def test_the_page_reads_a_constant_number_of_queries(client_a, world):
    def add(n: int) -> None:
        QualifiedSignature.objects.create(
            organization=world["org"],
            document=world["document"],
            uploaded_by=world["admin"],
            signature_file=SimpleUploadedFile(f"{n}.sig", b"0"),
            original_name=f"{n}.sig",
            signature_sha256=f"{n:064d}",
            document_sha256="0" * 64,
            digest_algorithm="streebog256",
            message_digest="0" * 64,
            verified=True,
            signer_name=f"Подписант {n}",
            issuer="УЦ",
            certificate_serial=str(n),
        )

    url = reverse("signatures:qualified", args=[world["document"].pk])
    add(1)
    client_a.get(url)  # the session and the header's caches warmed
    with CaptureQueriesContext(connection) as one:
        assert client_a.get(url).status_code == 200
    add(2)
    add(3)
    with CaptureQueriesContext(connection) as three:
        page = client_a.get(url)
    assert len(parse(page).find_all(data_testid="qualified-signature")) == 3
    assert len(three.captured_queries) == len(one.captured_queries)


# ---------------------------------------------------------------------------------------------
# A КЭП counts toward the document's request «на подпись»


def _grant(world, *users) -> None:
    """«Право подписи» without the ПЭП agreement: a КЭП needs none."""
    for user in users:
        membership = Membership.objects.get(organization=world["org"], user=user)
        services.signing_right_set(
            org=world["org"], actor=world["admin"], membership=membership, allowed=True, origin=ORIGIN
        )


def test_a_kep_by_a_signer_signs_the_request_without_the_agreement(client_a, world, signer):
    _grant(world, world["admin"])
    request = put_for_signature(world["document"])
    assert _upload(client_a, world["document"], signer.sign(_content(world["document"]))).status_code == 302
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.SIGNED and request.completed_at is not None
    assert request.document_sha256 == hashlib.sha256(_content(world["document"])).hexdigest()
    record = QualifiedSignature.objects.for_org(world["org"]).get(document=world["document"])
    assert record.signature_request == request
    event = ApiEvent.objects.get(kind=ApiEvent.Kind.DOCUMENT_SIGNED)
    assert event.payload["signature_kind"] == "qualified"
    assert (event.payload["status"], event.payload["signatures"]) == ("signed", 1)


def test_a_simple_and_a_qualified_signature_make_two_signers(client, world, signer, manager_a):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"], manager_a)
    request = put_for_signature(world["document"], signers=2)
    client.force_login(manager_a)
    assert _upload(client, world["document"], signer.sign(_content(world["document"]))).status_code == 302
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.PENDING and services.signed_count(request) == 1
    with pytest.raises(ServiceError, match="уже подписали"):  # the same signer's ПЭП after the КЭП
        services.may_sign_check(request, manager_a)
    sign(request, world["admin"])  # the ПЭП by the SMS code
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.SIGNED
    assert services.signed_count(request) == 2
    events = ApiEvent.objects.filter(kind=ApiEvent.Kind.DOCUMENT_SIGNED).order_by("id")
    assert [(e.payload["signature_kind"], e.payload["status"]) for e in events] == [
        ("qualified", "pending"),
        ("simple", "signed"),
    ]


def test_a_kep_by_someone_without_the_right_is_kept_but_does_not_sign_the_request(client_a, world, signer):
    request = put_for_signature(world["document"])
    assert _upload(client_a, world["document"], signer.sign(_content(world["document"]))).status_code == 302
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.PENDING and request.document_sha256 == ""
    record = QualifiedSignature.objects.for_org(world["org"]).get(document=world["document"])
    assert record.verified and record.signature_request is None


def test_a_kep_of_a_file_changed_since_the_first_signature_is_refused(client, world, signer, manager_a):
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"], manager_a)
    request = put_for_signature(world["document"], signers=2)
    first = sign(request, world["admin"])
    with world["document"].file.open("wb") as handle:  # the file replaced in storage after the first signature
        handle.write(b"%PDF-1.4 another text")
    client.force_login(manager_a)
    response = _upload(client, world["document"], signer.sign(b"%PDF-1.4 another text"))
    assert response.status_code == 400
    assert "Файл документа изменился после первой подписи" in _error(response) and first.document_sha256 in _error(
        response
    )
    assert not QualifiedSignature.objects.for_org(world["org"]).exists()
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.PENDING and services.signed_count(request) == 1


# ---------------------------------------------------------------------------------------------
# The books read a document's signatures (GET /api/v1/documents/<id>/signatures/)


def test_the_books_read_the_signatures_and_the_sig_file_of_their_own_document_only(
    client, world, signer, manager_a, settings
):
    settings.SMS_RESEND_INTERVAL = 0
    signing_ready(world["org"], world["creditor"], world["admin"], world["admin"], manager_a)
    request = put_for_signature(world["document"], signers=2)
    sign(request, world["admin"])
    raw = signer.sign(_content(world["document"]))
    client.force_login(manager_a)
    assert _upload(client, world["document"], raw).status_code == 302
    world["creditor"].clients.add(world["org"])  # as the books' contract upsert links it
    other = CreditorFactory(short_name="Бета-Лизинг")
    other.clients.add(world["org"])  # a creditor of the same client, not of this document's contract
    _, mine = ApiToken.issue(name="1С", creditor=world["creditor"])
    _, theirs = ApiToken.issue(name="1С Б", creditor=other)
    books, stranger = Client(HTTP_AUTHORIZATION=f"Bearer {mine}"), Client(HTTP_AUTHORIZATION=f"Bearer {theirs}")
    url = reverse("api:document_signatures", args=[world["document"].pk])

    response = books.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["document"]["id"] == world["document"].pk
    assert [(r["public_id"], r["status"]) for r in body["requests"]] == [(request.public_id, "signed")]
    assert [s["signer"] for s in body["simple"]] == ["Админов Алексей"]
    (kep,) = body["qualified"]
    assert kep["verified"] is True and kep["chain_checked"] is False
    assert kep["signature_request"] == request.public_id
    assert (kep["certificate"]["owner"], kep["certificate"]["inn_le"], kep["certificate"]["snils"]) == (
        "Иванов Иван Иванович",
        "7707083893",
        "11223344595",
    )
    got = books.get(kep["file_url"])
    assert got.status_code == 200 and b"".join(got.streaming_content) == raw  # type: ignore[attr-defined]

    assert stranger.get(url).status_code == 404  # another creditor's document: as if there were none
    assert stranger.get(kep["file_url"]).status_code == 404
    elsewhere = pdf_document(world["org"], title="Другой документ")
    wrong = reverse("api:document_qualified_signature_file", args=[elsewhere.pk, kep["id"]])
    assert books.get(wrong).status_code == 404  # the signature of another document under this one
    assert "/api/v1/documents/{id}/signatures/" in books.get(reverse("api:schema") + "?format=json").json()["paths"]
