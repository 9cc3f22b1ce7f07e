"""«Документы» (§4): tabs, filters, sort, search on both databases, download, ZIP, upload, isolation."""

import io
import tracemalloc
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kabinet.audit.models import AuditEvent
from kabinet.documents.models import Document
from kabinet.documents.services import zip_stream
from kabinet.documents.tests.conftest import make_document
from kabinet.notifications.models import Notification
from kabinet.testing.factories import ContractFactory
from kabinet.testing.html import parse


def titles(response) -> list[str]:
    """The documents' titles as the list shows them (the bold line of the «Документ» cell)."""
    tables = parse(response).find_all("table", data_testid="documents-table")
    return (
        [cell.find("span", class_="fw-semibold").text for cell in tables[0].find_all("td", class_="kb-doc-name")]
        if tables
        else []
    )


def test_incoming_and_uploaded_are_separate_tabs_newest_first(client_a, library):
    incoming = client_a.get("/documents/")
    assert titles(incoming) == [
        "Акт сверки за 2025 год",
        "УПД № 15",
        "Договор лизинга AL-25-10005",
        "Уведомление о смене реквизитов",
    ]
    html = incoming.content.decode()
    for text in (
        "Входящие",
        "Загруженные",
        "Продукт",
        "Документ",
        "Договор",
        "Заявка",
        "Дата документа",
        "Выбрать документы",
        "Поиск по документам",
    ):
        assert text in html, text
    assert titles(client_a.get("/documents/uploaded/")) == ["Платёжное поручение"]


def test_sort_by_date_both_ways(client_a, library):
    oldest = titles(client_a.get("/documents/", {"sort": "date"}))
    assert oldest[0] == "Уведомление о смене реквизитов" and oldest[-1] == "Акт сверки за 2025 год"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"doc_type": "УПД"}, ["УПД № 15"]),
        ({"category": "deal"}, ["Договор лизинга AL-25-10005"]),
        ({"date_from": "2026-02-01", "date_to": "2026-02-28"}, ["УПД № 15"]),
        ({"date_to": "2025-12-31"}, ["Уведомление о смене реквизитов"]),
    ],
)
def test_each_filter(client_a, library, params, expected):
    assert titles(client_a.get("/documents/", params)) == expected


def test_filter_by_product_contract_and_request(client_a, library, products, org_a):
    from kabinet.appeals.models import Appeal

    appeal = Appeal.objects.create(organization=org_a, number="UC-T-1", kind="contract", description="x")
    make_document(org_a, title="Ответ на обращение", doc_type="Письмо", appeal=appeal)
    assert titles(client_a.get("/documents/", {"product": products["truck"].pk})) == ["УПД № 15"]
    assert titles(client_a.get("/documents/", {"contract": library["contract"].number})) == [
        "Акт сверки за 2025 год",
        "Договор лизинга AL-25-10005",
    ]
    # Typed in another case, or a part of the number, without the picker (no JavaScript).
    assert titles(client_a.get("/documents/", {"contract": "al-25-10005"})) == [
        "Акт сверки за 2025 год",
        "Договор лизинга AL-25-10005",
    ]
    assert "УПД № 15" in titles(client_a.get("/documents/", {"contract": "20001"}))
    # The request by its number, typed or picked (like the contract).
    assert titles(client_a.get("/documents/", {"appeal": appeal.number})) == ["Ответ на обращение"]
    assert titles(client_a.get("/documents/", {"appeal": "UC-T-2"})) == []


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("договоры", ["Договор лизинга AL-25-10005"]),  # another form of the word
        ("ДОГОВОР", ["Договор лизинга AL-25-10005"]),
        ("10005", ["Акт сверки за 2025 год", "Договор лизинга AL-25-10005"]),  # a number inside a contract
        ("упд", ["УПД № 15"]),
        ("февраль", ["УПД № 15"]),  # the file name
        ("сальдо лизингодателя", ["Акт сверки за 2025 год"]),  # words of the text
        ("нет такого слова", []),
    ],
)
def test_search_finds_words_in_any_form_and_numbers(client_a, library, q, expected):
    assert titles(client_a.get("/documents/", {"q": q})) == expected


def test_htmx_gets_the_results_fragment_and_filters_stay_in_page_links(client_a, org_a, settings):
    settings.KABINET_PAGE_SIZE = 2
    for n in range(5):
        make_document(org_a, title=f"Счёт-фактура {n}", doc_type="Счёт-фактура", day=date(2026, 1, n + 1))
    fragment = client_a.get("/documents/", {"doc_type": "Счёт-фактура"}, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert "<html" not in html and "Счёт-фактура 4" in html
    assert "page=2" in html and "doc_type=" in html


def test_the_list_query_count_does_not_grow_with_documents(client_a, org_a, library):
    def count():
        client_a.get("/documents/")  # the header's cache is warm, as on every request but the first
        with CaptureQueriesContext(connection) as ctx:
            client_a.get("/documents/", {"q": "акт"})
            client_a.get("/documents/")
        return len(ctx.captured_queries)

    before = count()
    for n in range(40):
        make_document(org_a, title=f"Акт {n}", contract=library["contract"], day=date(2026, 1, 1))
    assert count() == before


def test_another_organizations_documents_are_invisible_and_a_404(client_a, library, org_b, products, user_b):
    from django.test import Client

    foreign = make_document(
        org_b, title="Чужой акт", contract=ContractFactory(organization=org_b, product=products["auto"])
    )
    assert "Чужой акт" not in client_a.get("/documents/", {"q": "акт"}).content.decode()
    assert client_a.get(f"/documents/{foreign.pk}/download/").status_code == 404
    other = Client()
    other.force_login(user_b)
    assert other.get(f"/documents/{library['upd'].pk}/download/").status_code == 404
    assert other.get(f"/documents/{foreign.pk}/download/").status_code == 200


def read_zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_a_zip_holds_exactly_the_selected_files_with_cyrillic_deduplicated_names(client_a, org_a, library):
    twin = make_document(org_a, title="УПД № 15 копия", name="УПД за февраль.pdf", content=b"%PDF-1.4 twin")
    response = client_a.post("/documents/zip/", {"ids": [library["upd"].pk, twin.pk, library["act"].pk]})
    assert response["Content-Type"] == "application/zip" and "attachment" in response["Content-Disposition"]
    archive = read_zip(response)
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == ["Акт сверки за 2025 год.pdf", "УПД за февраль (2).pdf", "УПД за февраль.pdf"]
    assert {archive.read(n) for n in archive.namelist()} == {b"%PDF-1.4 x", b"%PDF-1.4 twin"}


def test_a_zip_of_everything_the_filter_matches(client_a, library):
    response = client_a.post("/documents/zip/", {"all": "1", "tab": "incoming", "contract": library["contract"].number})
    assert sorted(read_zip(response).namelist()) == ["Акт сверки за 2025 год.pdf", "Договор лизинга AL-25-10005.pdf"]


def test_a_zip_with_a_foreign_id_smuggled_in_is_a_404(client_a, library, org_b):
    foreign = make_document(org_b, title="Чужой")
    assert client_a.post("/documents/zip/", {"ids": [library["upd"].pk, foreign.pk]}).status_code == 404
    assert client_a.post("/documents/zip/", {"ids": ["abc"]}).status_code == 404
    assert client_a.post("/documents/zip/", {}).status_code == 404


def test_a_zip_over_the_limit_is_refused_with_a_clear_message(client_a, library, settings):
    settings.DOCUMENT_ZIP_MAX_FILES = 2
    response = client_a.post("/documents/zip/", {"all": "1", "tab": "incoming"}, follow=True)
    assert "Скачать за один раз можно не больше 2 документов" in response.content.decode()


def test_the_zip_is_streamed_with_flat_memory(org_a, settings):
    chunk = b"\0" * (8 * 2**20)
    documents = [make_document(org_a, title=f"Большой {n}", content=chunk) for n in range(4)]
    tracemalloc.start()
    size = sum(len(part) for part in zip_stream(documents))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert size > 32 * 2**20
    assert peak < 3 * 2**20  # well under one file, let alone the 32 MB archive


PDF = b"%PDF-1.4\n%test\n"


def upload(client, files, **fields):
    return client.post("/documents/upload/", {"files": files, "doc_type": "Платёжка", **fields})


def test_an_upload_is_stored_under_a_generated_name_and_keeps_its_original_name(client_a, library, admin_a):
    response = upload(
        client_a, [SimpleUploadedFile("Платёжное поручение № 7.pdf", PDF)], contract=library["contract"].number
    )
    assert response.status_code == 302
    document = Document.objects.get(original_name="Платёжное поручение № 7.pdf")
    assert document.direction == "uploaded" and document.uploaded_by == admin_a
    assert (
        document.contract == library["contract"]
        and document.organization_id == admin_a.memberships.get().organization_id
    )
    name = document.file.name or ""
    assert "Платёжное" not in name and name.startswith("documents/")
    assert AuditEvent.objects.filter(action="document_uploaded").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("счёт.pdf", b"<html><script>alert(1)</script></html>", "такой тип файла не принимается"),
        ("пусто.pdf", b"", "пуст"),
        ("картинка.pdf", b"\x89PNG\r\n\x1a\n....", "такой тип файла не принимается"),
    ],
)
def test_uploads_are_checked_by_content_not_by_name(client_a, library, name, content, message):
    count = Document.objects.count()
    response = upload(client_a, [SimpleUploadedFile(name, content)])
    assert response.status_code == 400
    assert message in response.content.decode().lower()
    assert Document.objects.count() == count


def test_an_oversized_upload_is_refused(client_a, library, settings):
    settings.DOCUMENT_UPLOAD_MAX_BYTES = 1024
    response = upload(client_a, [SimpleUploadedFile("большой.pdf", PDF + b"x" * 2048)])
    assert response.status_code == 400 and "больше" in response.content.decode()


def test_dangerous_names_are_cleaned(client_a, library):
    from kabinet.documents.services import clean_filename

    assert upload(client_a, [SimpleUploadedFile("../../etc/pass\x00wd.pdf", PDF)]).status_code == 302
    document = Document.objects.filter(direction="uploaded").latest("pk")
    assert document.original_name == "passwd.pdf"
    name = document.file.name or ""
    assert ".." not in name and "passwd" not in name
    assert clean_filename("..\\..\\boot.ini\r\nContent-Type: text/html.pdf") == "html.pdf"
    assert clean_filename("a\r\nb.PDF") == "ab.pdf"
    assert clean_filename("...") == "документ"


def test_an_upload_to_a_foreign_contract_is_refused_and_nothing_is_written(client_a, library, org_b, products):
    foreign = ContractFactory(organization=org_b, product=products["auto"], number="BETA-77")
    count = Document.objects.count()
    response = upload(client_a, [SimpleUploadedFile("a.pdf", PDF)], contract=foreign.number)
    assert response.status_code == 400
    assert "Договор с таким номером не найден" in response.content.decode()
    assert Document.objects.count() == count


def test_an_upload_is_tied_to_the_request_typed_and_a_foreign_request_is_refused(client_a, library, org_a, org_b):
    from kabinet.appeals.models import Appeal

    own = Appeal.objects.create(organization=org_a, number="UP-1", kind="contract", description="x")
    foreign = Appeal.objects.create(organization=org_b, number="UP-2", kind="contract", description="x")
    count = Document.objects.count()
    response = upload(client_a, [SimpleUploadedFile("a.pdf", PDF)], appeal=foreign.number)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Заявки с таким номером нет." in html and 'id="up-appeal-error"' in html
    assert Document.objects.count() == count
    response = upload(client_a, [SimpleUploadedFile("b.pdf", PDF)], appeal=own.number)
    assert response.status_code == 302
    assert Document.objects.get(original_name="b.pdf").appeal == own


def test_text_is_extracted_from_an_arriving_pdf_so_the_search_finds_it(
    client_a, library, django_capture_on_commit_callbacks
):
    from weasyprint import HTML

    pdf = HTML(string="<p>Ведомость амортизации лизингового имущества</p>").write_pdf()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_a, [SimpleUploadedFile("scan.pdf", pdf)])
    document = Document.objects.get(original_name="scan.pdf")
    assert "амортизации" in document.text
    assert titles(client_a.get("/documents/uploaded/", {"q": "амортизация"})) == ["scan.pdf"]


def test_staff_publish_several_files_and_the_members_are_told(
    client, staff, org_a, admin_a, manager_a, library, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/documents/document/publish/",
            {
                "organization": org_a.pk,
                "contract_number": "AL-25-10005",
                "category": "accounting",
                "doc_type": "Счёт-фактура",
                "document_date": "2026-04-01",
                "files": [SimpleUploadedFile("СФ 1.pdf", PDF), SimpleUploadedFile("СФ 2.pdf", PDF)],
            },
        )
    assert response.status_code == 302
    published = Document.objects.filter(doc_type="Счёт-фактура")
    assert published.count() == 2 and {d.contract_id for d in published} == {library["contract"].pk}
    assert set(Notification.objects.filter(kind="new_document").values_list("user_id", flat=True)) == {
        admin_a.pk,
        manager_a.pk,
    }
    wrong = client.post(
        "/admin/documents/document/publish/",
        {
            "organization": org_a.pk,
            "contract_number": "NOPE",
            "category": "deal",
            "doc_type": "x",
            "document_date": "2026-04-01",
            "files": [SimpleUploadedFile("a.pdf", PDF)],
        },
    )
    assert "нет договора с таким номером" in wrong.content.decode()


def test_a_file_chosen_before_an_error_is_kept_and_satisfies_the_required_field(client_a, library):
    """14.2: a wrong contract number does not make the person choose the file again."""
    import re

    from kabinet.core.models import HeldUpload

    response = upload(client_a, [SimpleUploadedFile("Платёжка 9.pdf", PDF)], contract="NO-SUCH")
    html = response.content.decode()
    assert response.status_code == 400 and "Платёжка 9.pdf" in html
    [token] = re.findall(r'name="held_files" value="([^"]+)"', html)
    response = client_a.post(
        "/documents/upload/",
        {"doc_type": "Платёжка", "contract": library["contract"].number, "held_files": token},
    )
    assert response.status_code == 302
    document = Document.objects.get(original_name="Платёжка 9.pdf")
    assert document.contract == library["contract"] and document.file.read() == PDF
    assert not HeldUpload.objects.exists()
    # Without a kept or a new file the field is still required.
    assert upload(client_a, []).status_code == 400


@pytest.mark.parametrize(
    ("title", "name", "shown"),
    [
        ("Акт приема-передачи № AL-26-10000", "Акт приема-передачи AL-26-10000.pdf", False),
        ("Счёт № 5", "счёт_5.PDF", False),
        ("Счёт № 5", "scan_0042.pdf", True),
    ],
)
def test_the_file_name_line_is_shown_only_when_it_says_more_than_the_name(title, name, shown):
    assert Document(title=title, original_name=name).shows_file_name is shown
