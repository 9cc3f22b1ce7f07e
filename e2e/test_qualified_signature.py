"""The qualified signature (КЭП) in the browser, at 1440 and 375 px: a `.sig` made by OpenSSL's GOST engine
is uploaded for a document and shown verified with the certificate's owner; a file that is no signature
is refused in words next to the field."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.test_journeys import sign_in
from kabinet.testing.factories import ContractFactory
from kabinet.testing.gost import GostSigner
from kabinet.testing.signing import pdf_document


@pytest.fixture
def signed(transactional_db, org_a, admin_a, products, tmp_path):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00777")
    document = pdf_document(org_a, contract=contract, title="Допсоглашение 777")
    with document.file.open("rb") as handle:
        content = handle.read()
    signature = tmp_path / "Допсоглашение 777.pdf.sig"
    signature.write_bytes(GostSigner.make(tmp_path / "keys").sign(content))
    garbage = tmp_path / "скан.pdf"
    garbage.write_bytes(b"%PDF-1.4 a scan, not a signature")
    return {"document": document, "signature": signature, "garbage": garbage}


@pytest.mark.parametrize("width", [1440, 375])
def test_upload_a_qualified_signature_and_see_its_owner(page, live_server, signed, admin_a, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, str(admin_a.phone))
    page.goto(f"{live_server.url}/signatures/documents/{signed['document'].pk}/qualified/")
    expect(page.get_by_test_id("document-title")).to_have_text("Допсоглашение 777")

    page.get_by_label("Подписать КЭП (файл .sig)").set_input_files(str(signed["garbage"]))
    page.get_by_role("button", name="Загрузить подпись").click()
    expect(page.get_by_test_id("qualified-error")).to_have_text("Файл не является электронной подписью (CMS, .sig).")
    expect(page.get_by_label("Подписать КЭП (файл .sig)")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Подписать КЭП (файл .sig)").set_input_files(str(signed["signature"]))
    page.get_by_role("button", name="Загрузить подпись").click()
    expect(page.get_by_text("КЭП владельца Иванов Иван Иванович подтверждена.")).to_be_visible()
    card = page.get_by_test_id("qualified-signature")
    expect(card.get_by_test_id("qualified-owner")).to_have_text("Иванов Иван Иванович")
    expect(card.get_by_test_id("qualified-status")).to_have_text("Подпись подтверждена")
    expect(card.get_by_test_id("qualified-inn-le")).to_have_text("7707083893")
    expect(card.get_by_test_id("qualified-snils")).to_have_text("11223344595")
    expect(page.get_by_test_id("qualified-chain-note")).to_contain_text("не проверяются")
    # Nothing runs off a phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
