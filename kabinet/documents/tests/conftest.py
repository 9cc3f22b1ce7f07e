from datetime import date

import pytest
from django.core.files.base import ContentFile

from kabinet.documents.models import Document
from kabinet.documents.services import document_reindex
from kabinet.testing.factories import ContractFactory


def make_document(
    org,
    *,
    title,
    doc_type="Акт сверки",
    direction="incoming",
    category="accounting",
    contract=None,
    appeal=None,
    product=None,
    day=date(2026, 3, 1),
    name=None,
    text="",
    content=b"%PDF-1.4 x",
):
    document = Document(
        organization=org,
        direction=direction,
        category=category,
        doc_type=doc_type,
        title=title,
        contract=contract,
        appeal=appeal,
        product=product or (contract.product if contract else None),
        document_date=day,
        original_name=name or f"{title}.pdf",
        content_type="application/pdf",
        size=len(content),
        text=text,
    )
    document.file.save("f.pdf", ContentFile(content), save=False)
    document.save()
    document_reindex(ids=[document.pk])
    return document


@pytest.fixture
def library(org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-25-10005")
    truck = ContractFactory(organization=org_a, product=products["truck"], number="KT-24-20001")
    docs = {
        "lease": make_document(
            org_a,
            title="Договор лизинга AL-25-10005",
            doc_type="Договор лизинга",
            category="deal",
            contract=contract,
            day=date(2026, 1, 10),
        ),
        "upd": make_document(
            org_a, title="УПД № 15", doc_type="УПД", contract=truck, day=date(2026, 2, 20), name="УПД за февраль.pdf"
        ),
        "act": make_document(
            org_a,
            title="Акт сверки за 2025 год",
            contract=contract,
            day=date(2026, 3, 5),
            text="Сальдо в пользу лизингодателя составляет ноль рублей",
        ),
        "general": make_document(
            org_a, title="Уведомление о смене реквизитов", doc_type="Письмо", category="other", day=date(2025, 12, 1)
        ),
        "mine": make_document(
            org_a,
            title="Платёжное поручение",
            doc_type="Документ клиента",
            direction="uploaded",
            category="other",
            contract=contract,
            day=date(2026, 3, 20),
        ),
    }
    return {"contract": contract, "truck": truck, **docs}
