"""The simple electronic signature in the browser, at 1440 and 375 px: the administrator accepts the lessor's
agreement and gives «Право подписи»; a document «на подпись» is signed with the SMS code read from the
outbox, another is refused; the copy with the signing sheet is downloaded and checked on the public
verification page (its SHA-256 computed in the browser), where a tampered copy fails; a request's template is
filled and signed in the portal."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from e2e.test_accessibility import serious_violations
from e2e.test_contract_card import settled
from e2e.test_journeys import sign_in
from kabinet.accounts.models import PhoneChallenge
from kabinet.accounts.services import challenge_code
from kabinet.appeals.models import Appeal, AppealKind, AppealTopic
from kabinet.core.pdf import html_to_pdf
from kabinet.documents.models import Document
from kabinet.signatures.models import SignatureRequest
from kabinet.testing.factories import ContractFactory
from kabinet.testing.signing import agreement_for, pdf_document, put_for_signature

SIZES = ["page", "phone_page"]


@pytest.fixture
def portal(transactional_db, settings, admin_a, org_a, products):
    settings.SMS_RESEND_INTERVAL = 0
    creditor = products["auto"].creditor
    agreement_for(creditor)
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00900")
    to_sign = put_for_signature(pdf_document(org_a, title="Дополнительное соглашение №3", contract=contract))
    to_refuse = put_for_signature(pdf_document(org_a, title="Новый график платежей", contract=contract))
    topic = AppealTopic(kind=AppealKind.CONTRACT, name="Заявление на смену реквизитов")
    topic.template.save("template.pdf", ContentFile(html_to_pdf("<p>Template terms</p>")), save=False)
    topic.save()
    appeal = Appeal.objects.create(
        organization=org_a,
        number="UC-000900",
        kind=AppealKind.CONTRACT,
        topic=topic,
        contract=contract,
        description="Просим сменить банковские реквизиты",
        created_by=admin_a,
    )
    return {"to_sign": to_sign, "to_refuse": to_refuse, "appeal": appeal}


def enter_code(page, user, *, wrong_first: bool = False) -> None:
    expect(page.get_by_test_id("code-form")).to_be_visible()
    challenge = PhoneChallenge.objects.filter(user=user, purpose=PhoneChallenge.Purpose.SIGNATURE).latest("created_at")
    code = challenge_code(challenge)
    field = page.get_by_label("Код из СМС")
    if wrong_first:
        field.fill("0" * len(code) if code != "0" * len(code) else "1" * len(code))
        page.get_by_role("button", name="Подтвердить подпись").click()
        expect(page.get_by_test_id("code-form")).to_contain_text("Неверный код. Осталось попыток")
        field = page.get_by_label("Код из СМС")
    field.fill(code)
    page.get_by_role("button", name="Подтвердить подпись").click()
    expect(page.get_by_text("Документ подписан.")).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_accept_grant_sign_refuse_download_and_verify(request, size, portal, admin_a, tmp_path):
    page = request.getfixturevalue(size)
    sign_in(page, str(admin_a.phone))

    # The main page's block, and the signing page saying why it cannot sign yet.
    block = page.get_by_test_id("to-sign")
    expect(block).to_contain_text("Дополнительное соглашение №3")
    expect(block).to_contain_text("Новый график платежей")
    block.get_by_role("link", name="Дополнительное соглашение №3", exact=True).click()
    expect(page.get_by_test_id("blocked")).to_contain_text("не приняла соглашение")
    assert serious_violations(page) == [], "signing page, blocked"
    page.get_by_role("link", name="Открыть настройки").click()

    # «Настройки» → «Электронная подпись»: read and accept the agreement, give the right to sign.
    expect(page.get_by_test_id("why-not")).to_contain_text("Подписывать документы пока нельзя")
    expect(page.get_by_test_id("agreement-text")).to_contain_text("Стороны признают ПЭП.")
    assert serious_violations(page) == [], "settings"
    page.get_by_label("Я прочитал(а) соглашение и принимаю его от имени организации").check()
    page.get_by_role("button", name="Принять соглашение").click()
    expect(page.get_by_test_id("acceptance")).to_contain_text("Админов Алексей")
    expect(page.get_by_test_id("acceptance")).to_contain_text("редакция 1")
    page.get_by_role("button", name="Дать право подписи Админов Алексей").click()
    expect(page.get_by_text("Админов Алексей теперь может подписывать документы за организацию.")).to_be_visible()
    expect(page.get_by_test_id("why-not")).to_have_count(0)
    page.get_by_role("link", name="История изменений").click()
    expect(page.get_by_test_id("history")).to_contain_text("дано право подписи за организацию")

    # «Документы»: the filter «на подпись» finds both; sign the first with the code from the SMS outbox.
    page.goto(page.base_url + "/documents/?signature=pending")
    expect(page.get_by_test_id("signature-status")).to_have_count(2)
    page.goto(page.base_url + f"/signatures/{portal['to_sign'].pk}/")
    expect(page.get_by_test_id("pages").locator("img")).to_have_count(1)
    page.wait_for_function("() => Array.from(document.images).every((img) => img.complete && img.naturalWidth > 0)")
    page.get_by_test_id("sign-button").click()
    expect(page.get_by_text(re.compile(r"Код отправлен в СМС"))).to_be_visible()
    enter_code(page, admin_a, wrong_first=True)
    assert serious_violations(page) == [], "signing page"
    expect(page.get_by_test_id("signatures")).to_contain_text("Админов Алексей")
    expect(page.get_by_test_id("signature-status")).to_have_text("подписан")

    with page.expect_download() as download:
        page.get_by_test_id("signed-copy").click()
    copy = tmp_path / "copy.pdf"
    download.value.save_as(copy)
    assert download.value.suggested_filename.endswith("(с листом подписания).pdf")

    # The public verification page: the copy matches, a copy with one byte of the document changed does not.
    verify_url = page.get_by_role("link", name="Страница проверки").get_attribute("href")
    page.goto(page.base_url + verify_url)
    expect(page.get_by_test_id("status")).to_have_text("Подписан")
    page.get_by_label("Выберите подписанный файл или его копию с листом подписания").set_input_files(str(copy))
    result = page.get_by_test_id("verify-result")
    expect(result).to_contain_text("Файл совпадает: это копия с листом подписания")
    content = bytearray(copy.read_bytes())
    content[300] = (content[300] + 1) % 256
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(content))
    page.get_by_label("Выберите подписанный файл или его копию с листом подписания").set_input_files(str(tampered))
    expect(result).to_contain_text("Файл не совпадает")
    original = Document.objects.get(pk=portal["to_sign"].document_id)
    with original.file.open("rb") as handle:
        page.get_by_label("Выберите подписанный файл или его копию с листом подписания").set_input_files(
            files=[{"name": "original.pdf", "mimeType": "application/pdf", "buffer": handle.read()}]
        )
    expect(result).to_contain_text("Файл совпадает: это подписанный документ")
    assert serious_violations(page) == [], "verification page"

    # Refuse the other one, with a reason.
    page.goto(page.base_url + f"/signatures/{portal['to_refuse'].pk}/")
    page.get_by_text("Отказаться от подписания").first.click()
    page.get_by_role("button", name="Отказаться от подписания").click()
    expect(page.get_by_test_id("refuse-form")).to_contain_text("Укажите причину отказа")
    page.get_by_label("Причина отказа").fill("Сумма в графике не совпадает с договором")
    page.get_by_role("button", name="Отказаться от подписания").click()
    expect(page.get_by_test_id("refusal")).to_contain_text("Сумма в графике не совпадает с договором")
    expect(page.get_by_test_id("signature-status")).to_have_text("отказ")
    statuses = dict(SignatureRequest.objects.values_list("pk", "status"))
    assert statuses == {portal["to_sign"].pk: "signed", portal["to_refuse"].pk: "refused"}

    # A request's template, filled and signed in the portal; the signed copy lands in the request.
    page.goto(page.base_url + f"/requests/{portal['appeal'].pk}/")
    page.get_by_role("link", name="Заполнить и подписать в портале").click()
    page.get_by_label("Текст заявления").fill("Просим перечислять платежи на новый счёт")
    page.get_by_label("Должность подписанта").fill("Генеральный директор")
    page.get_by_role("button", name="Заполнить и перейти к подписанию").click()
    expect(page.get_by_test_id("document-title")).to_contain_text("Заявление на смену реквизитов")
    expect(page.get_by_test_id("pages").locator("img")).to_have_count(2)
    page.get_by_test_id("sign-button").click()
    enter_code(page, admin_a)
    page.goto(page.base_url + f"/requests/{portal['appeal'].pk}/")
    settled(page)
    expect(page.get_by_text(re.compile(r"UC-000900 \(с листом подписания\)\.pdf"))).to_be_visible()
