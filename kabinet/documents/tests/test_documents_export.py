"""«Документы» in Excel: the tab and the filters of the page, only the organization's rows."""

from __future__ import annotations

from datetime import date, datetime

from django.core.files.base import ContentFile

from kabinet.documents.models import Document
from kabinet.testing.exports import no_writes, sheet


def test_documents_export_follows_the_tab_and_the_filters(client_a, org_a, org_b):
    def doc(org, title, doc_type, direction="incoming"):
        d = Document(
            organization=org,
            direction=direction,
            doc_type=doc_type,
            title=title,
            document_date=date(2026, 3, 1),
            original_name=f"{title}.pdf",
            size=1234,
        )
        d.file.save(f"{title}.pdf", ContentFile(b"%PDF-1.4"), save=False)
        d.save()

    doc(org_a, "Акт сверки за март", "Акт сверки")
    doc(org_a, "УПД 15", "УПД")
    doc(org_a, "Скан паспорта", "Скан", direction="uploaded")
    doc(org_b, "Чужой акт", "Акт сверки")
    header, rows = sheet(no_writes(client_a, "/documents/export.xlsx?doc_type=Акт+сверки"))
    assert header[:3] == ("Продукт", "Тип документа", "Наименование")
    assert [r[2] for r in rows] == ["Акт сверки за март"]
    assert rows[0][5] == datetime(2026, 3, 1) and rows[0][7] == 1234
    _header, uploaded = sheet(client_a.get("/documents/uploaded/export.xlsx"))
    assert [r[2] for r in uploaded] == ["Скан паспорта"]
