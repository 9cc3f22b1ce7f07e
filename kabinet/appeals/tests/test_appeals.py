"""Requests and appeals (§6): the three forms, the list, the card, the life cycle, staff work, isolation."""

import itertools
import threading

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kabinet.appeals import services
from kabinet.appeals.models import (
    STAFF_TRANSITIONS,
    WITHDRAWABLE,
    Appeal,
    AppealKind,
    AppealStatus,
    AppealTopic,
    transition_allowed,
)
from kabinet.documents.models import Document
from kabinet.notifications.models import Notification
from kabinet.testing.factories import ContractFactory
from kabinet.testing.html import parse

PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture
def topics(db):
    return {
        "buyout": AppealTopic.objects.create(
            kind="contract",
            name="Досрочный выкуп",
            extra_fields=[{"name": "date", "label": "Желаемая дата выкупа", "type": "date", "required": True}],
        ),
        "act": AppealTopic.objects.create(kind="contract", name="Акт сверки"),
        "claim": AppealTopic.objects.create(kind="insurance", name="Страховой случай"),
    }


@pytest.fixture
def contract(org_a, products):
    return ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00300")


def create(client, kind, data, files=None):
    payload = dict(data)
    if files:
        payload["files"] = files
    return client.post(f"/requests/new/?kind={kind}", payload)


def test_a_new_leasing_request_is_prefilled_from_the_profile_and_sent(client_a, admin_a):
    form = client_a.get("/requests/new/?kind=new_leasing").content.decode()
    assert admin_a.full_name in form and "ФИО" in form and "Описание" in form and "Отправить" in form
    response = create(
        client_a,
        "new_leasing",
        {"full_name": admin_a.full_name, "phone": "+7 921 000-00-01", "description": "Нужен самосвал"},
    )
    appeal = Appeal.objects.get()
    assert response["Location"] == f"/requests/{appeal.pk}/"
    assert appeal.kind == "new_leasing" and appeal.phone == "+79210000001" and appeal.status == "sent"
    assert appeal.number.startswith("UC-") and len(appeal.number) == 10
    assert list(appeal.history.values_list("to_status", flat=True)) == ["sent"]


def test_the_list_names_a_request_without_a_product_once(client_a, admin_a):
    create(
        client_a,
        "new_leasing",
        {"full_name": admin_a.full_name, "phone": "+7 921 000-00-01", "description": "Нужен самосвал"},
    )
    row = client_a.get("/requests/").content.decode().split("<tbody>")[1].split("</tr>")[0]
    assert row.count("Заявка на новый лизинг") == 1


def test_a_contract_appeal_asks_for_the_topics_fields_and_takes_attachments(client_a, contract, topics):
    missing = create(
        client_a, "contract", {"topic": topics["buyout"].pk, "contract": contract.pk, "description": "Хотим выкупить"}
    )
    assert missing.status_code == 400 and "Заполните «Желаемая дата выкупа»" in missing.content.decode()
    assert not Appeal.objects.exists()
    response = create(
        client_a,
        "contract",
        {
            "topic": topics["buyout"].pk,
            "contract": contract.pk,
            "description": "Хотим выкупить",
            "field_date": "2027-01-15",
        },
        files=[SimpleUploadedFile("Заявление.pdf", PDF)],
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.contract == contract and appeal.product == contract.product
    assert appeal.data == {"date": "2027-01-15"}
    attachment = Document.objects.get(appeal=appeal)
    assert attachment.original_name == "Заявление.pdf" and attachment.direction == "uploaded"
    card = client_a.get(f"/requests/{appeal.pk}/").content.decode()
    assert "15.01.2027" in card and "2027-01-15" not in card  # 14.10: the topic's date as dd.mm.yyyy


def test_the_topic_changes_the_fields_of_the_form(client_a, topics):
    html = client_a.get(
        f"/requests/new/?kind=contract&refresh=1&topic={topics['buyout'].pk}&description=abc",
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Желаемая дата выкупа" in html and "abc" in html and "<html" not in html


def test_an_insurance_appeal(client_a, contract, topics):
    create(client_a, "insurance", {"topic": topics["claim"].pk, "contract": contract.pk, "description": "ДТП"})
    assert Appeal.objects.get().kind == AppealKind.INSURANCE


def test_attachments_are_checked_like_documents(client_a, contract, topics):
    response = create(
        client_a,
        "contract",
        {"topic": topics["act"].pk, "contract": contract.pk, "description": "x"},
        files=[SimpleUploadedFile("акт.pdf", b"<html>no</html>")],
    )
    assert response.status_code == 400 and "не принимается" in response.content.decode()
    assert not Appeal.objects.exists() and not Document.objects.exists()


def test_a_foreign_contract_cannot_be_chosen(client_a, topics, org_b, products):
    foreign = ContractFactory(organization=org_b, product=products["auto"])
    response = create(client_a, "contract", {"topic": topics["act"].pk, "contract": foreign.pk, "description": "x"})
    assert response.status_code == 400 and not Appeal.objects.exists()


def test_htmx_sending_confirms_in_place(client_a, contract, topics):
    response = client_a.post(
        "/requests/new/?kind=insurance",
        {"topic": topics["claim"].pk, "contract": contract.pk, "description": "x"},
        headers={"HX-Request": "true", "HX-Target": "appeal-modal-body"},
    )
    assert response["HX-Trigger"] == "appealCreated"
    assert "отправлена" in response.content.decode()


def test_the_form_on_its_own_page_targets_itself_and_goes_to_the_card(client_a, contract, topics):
    html = client_a.get("/requests/new/?kind=insurance").content.decode()
    # No element of the page is missing: the form swaps into its own container, not a dialog's.
    assert 'hx-target="#appeal-modal-body"' not in html
    assert 'hx-target="closest [data-appeal-host]"' in html and "data-appeal-host" in html
    response = client_a.post(
        "/requests/new/?kind=insurance",
        {"topic": topics["claim"].pk, "contract": contract.pk, "description": "x"},
        headers={"HX-Request": "true", "HX-Target": "appeal-page"},
    )
    appeal = Appeal.objects.get()
    assert response["HX-Redirect"] == f"/requests/{appeal.pk}/"


def _held_tokens(html: str) -> list[str]:
    import re

    return re.findall(r'name="held_files" value="([^"]+)"', html)


def test_files_chosen_before_an_error_are_kept_and_sent_with_the_corrected_form(client_a, admin_a, contract, topics):
    from kabinet.core.models import HeldUpload

    response = create(
        client_a,
        "contract",
        {"topic": topics["act"].pk, "contract": contract.pk, "description": ""},
        files=[SimpleUploadedFile("Заявление.pdf", PDF)],
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "выбирать эти файлы заново не нужно" in html and "Заявление.pdf" in html
    [token] = _held_tokens(html)
    held = HeldUpload.objects.get(token=token)
    assert held.user == admin_a and held.organization_id == contract.organization_id
    stored = held.file.name
    # Sent again without choosing the file: it is attached from the kept copy, then the copy is gone.
    response = create(
        client_a,
        "contract",
        {"topic": topics["act"].pk, "contract": contract.pk, "description": "Акт", "held_files": token},
    )
    assert response.status_code == 302
    document = Document.objects.get(appeal=Appeal.objects.get())
    assert document.original_name == "Заявление.pdf" and document.file.read() == PDF
    assert not HeldUpload.objects.exists()
    assert stored and not held.file.storage.exists(stored)


def test_a_kept_file_left_unticked_is_not_sent(client_a, contract, topics):
    html = create(
        client_a,
        "contract",
        {"topic": topics["act"].pk, "contract": contract.pk, "description": ""},
        files=[SimpleUploadedFile("Лишний.pdf", PDF)],
    ).content.decode()
    assert _held_tokens(html)
    create(client_a, "contract", {"topic": topics["act"].pk, "contract": contract.pk, "description": "Акт"})
    assert not Document.objects.filter(appeal__isnull=False).exists()


def test_a_file_kept_for_someone_else_is_refused(client_a, admin_a, contract, topics, org_b, user_b):
    """A token is looked up with the person and the organization: another person's kept file (or the
    same person's in another organization) is never attached — the form says so and nothing is sent."""
    from kabinet.core.models import HeldUpload
    from kabinet.documents.held import hold
    from kabinet.testing.factories import MembershipFactory

    foreign = hold(
        user=user_b, org=org_b, uploaded=SimpleUploadedFile("Чужой.pdf", PDF), content_type="application/pdf"
    )
    MembershipFactory(user=admin_a, organization=org_b, role="admin")
    mine_elsewhere = hold(
        user=admin_a, org=org_b, uploaded=SimpleUploadedFile("Из Беты.pdf", PDF), content_type="application/pdf"
    )
    for token in (foreign.token, mine_elsewhere.token, "made-up-token"):
        response = create(
            client_a,
            "contract",
            {"topic": topics["act"].pk, "contract": contract.pk, "description": "Акт", "held_files": token},
        )
        html = response.content.decode()
        assert response.status_code == 400
        assert "больше недоступен" in html and "Чужой.pdf" not in html and "Из Беты.pdf" not in html
    assert not Appeal.objects.exists() and not Document.objects.filter(appeal__isnull=False).exists()
    assert HeldUpload.objects.count() == 2  # untouched


def test_kept_files_nobody_came_back_for_are_purged(client_a, contract, topics, settings):
    from datetime import timedelta

    from django.utils import timezone

    from kabinet.core.models import HeldUpload
    from kabinet.documents.tasks import purge_held_uploads

    create(
        client_a,
        "contract",
        {"topic": topics["act"].pk, "contract": contract.pk, "description": ""},
        files=[SimpleUploadedFile("Старый.pdf", PDF)],
    )
    held = HeldUpload.objects.get()
    stored, storage = held.file.name, held.file.storage
    purge_held_uploads.enqueue()
    assert HeldUpload.objects.count() == 1  # still fresh
    HeldUpload.objects.update(created_at=timezone.now() - timedelta(hours=settings.HELD_UPLOAD_TTL_HOURS + 1))
    purge_held_uploads.enqueue()
    assert stored and not HeldUpload.objects.exists() and not storage.exists(stored)


def test_a_reconciliation_act_asks_for_a_whole_period(client_a, contract):
    from kabinet.appeals.models import AppealTopic

    act = AppealTopic.objects.create(
        kind="contract",
        name="Акт сверки",
        extra_fields=[{"name": "period", "label": "Период сверки", "type": "period", "required": True}],
    )
    base = {"topic": act.pk, "contract": contract.pk, "description": "Акт"}
    backwards = create(
        client_a, "contract", {**base, "field_period_from": "2025-12-31", "field_period_to": "2025-01-01"}
    )
    assert backwards.status_code == 400 and "Начало периода должно быть раньше конца" in backwards.content.decode()
    form = client_a.get(f"/requests/new/?kind=contract&topic={act.pk}").content.decode()
    assert 'name="field_period_from"' in form and 'name="field_period_to"' in form
    create(client_a, "contract", {**base, "field_period_from": "2025-01-01", "field_period_to": "2025-12-31"})
    appeal = Appeal.objects.get()
    assert appeal.data == {"period": "2025-01-01/2025-12-31"}
    card = client_a.get(f"/requests/{appeal.pk}/").content.decode()
    assert "с 01.01.2025 по 31.12.2025" in card and "2025-01-01" not in card


def test_the_choice_of_three_types(client_a):
    html = client_a.get("/requests/new/").content.decode()
    for label in ("Заявка на новый лизинг", "Обращение по договору", "Обращение по страхованию"):
        assert label in html


@pytest.mark.parametrize(("current", "new"), list(itertools.product(AppealStatus.values, AppealStatus.values)))
def test_the_transition_table(current, new):
    assert transition_allowed(current, new, by_client=False) == (new in STAFF_TRANSITIONS[current])
    assert transition_allowed(current, new, by_client=True) == (new == "withdrawn" and current in WITHDRAWABLE)


def test_every_status_has_a_row_and_final_ones_lead_nowhere():
    assert set(STAFF_TRANSITIONS) == set(AppealStatus.values)
    for final in ("closed", "rejected", "withdrawn"):
        assert STAFF_TRANSITIONS[final] == set()


@pytest.fixture
def appeal(org_a, admin_a, contract, topics):
    return services.appeal_create(
        org=org_a,
        user=admin_a,
        data=services.AppealInput(
            kind="contract", topic=topics["act"], contract=contract, description="Пришлите акт сверки"
        ),
    )


def staff_post(client, appeal, data):
    appeal.refresh_from_db()
    management = {
        "history-TOTAL_FORMS": appeal.history.count(),
        "history-INITIAL_FORMS": appeal.history.count(),
        "comments-TOTAL_FORMS": appeal.comments.count(),
        "comments-INITIAL_FORMS": appeal.comments.count(),
        "staff_notes-TOTAL_FORMS": appeal.staff_notes.count(),
        "staff_notes-INITIAL_FORMS": appeal.staff_notes.count(),
    }
    return client.post(f"/admin/appeals/appeal/{appeal.pk}/change/", {**management, **data})


def test_staff_move_a_request_the_client_sees_history_and_is_notified(
    client, client_a, staff, appeal, admin_a, manager_a, django_capture_on_commit_callbacks
):
    staff_client = Client()
    staff_client.force_login(staff)
    url = f"/admin/appeals/appeal/{appeal.pk}/change/"
    page = staff_client.get(url).content.decode()
    assert "Изменить статус на" in page and "На рассмотрении" in page
    mail.outbox.clear()
    assert staff_post(staff_client, appeal, {"new_status": "review"}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        staff_post(
            staff_client, appeal, {"new_status": "needs_confirmation", "comment": "Подтвердите период: 2025 год?"}
        )
    appeal.refresh_from_db()
    assert appeal.status == "needs_confirmation"
    assert list(appeal.history.values_list("to_status", flat=True)) == ["sent", "review", "needs_confirmation"]
    assert appeal.history.last().changed_by == staff
    notified = Notification.objects.filter(kind="appeal_status", title__contains="Требуется подтверждение")
    assert set(notified.values_list("user_id", flat=True)) == {admin_a.pk, manager_a.pk}
    assert {m.to[0] for m in mail.outbox} == {admin_a.email, manager_a.email}
    card = client_a.get(f"/requests/{appeal.pk}/").content.decode()
    assert "ТРЕБУЕТСЯ ПОДТВЕРЖДЕНИЕ" in card and "Подтвердите период: 2025 год?" in card and "Нужен ваш ответ" in card
    client_a.post(f"/requests/{appeal.pk}/answer/", {"body": "Да, 2025", "files": [SimpleUploadedFile("a.pdf", PDF)]})
    assert appeal.comments.filter(from_staff=False, body="Да, 2025").exists()
    assert Document.objects.filter(appeal=appeal, direction="uploaded").count() == 1
    # Answered: back in the lessor's work; the card no longer asks and shows the answer as sent.
    appeal.refresh_from_db()
    assert appeal.status == "in_progress"
    card = client_a.get(f"/requests/{appeal.pk}/").content.decode()
    assert "Нужен ваш ответ" not in card and 'data-testid="asks-client"' not in card
    assert f'action="/requests/{appeal.pk}/answer/"' not in card
    assert "ТРЕБУЕТСЯ ПОДТВЕРЖДЕНИЕ" not in card.split('data-testid="history"')[0]
    assert "Да, 2025" in card.split('data-testid="client-answer"')[1] and "Ответ отправлен" in card
    assert client_a.post(f"/requests/{appeal.pk}/answer/", {"body": "Ещё"}).status_code == 302
    assert not appeal.comments.filter(body="Ещё").exists()  # no second answer without a question
    # A refused transition is not applied.
    staff_post(staff_client, appeal, {"new_status": "closed"})
    appeal.refresh_from_db()
    assert appeal.status == "in_progress"


def test_staff_attach_the_answer_document(staff, appeal, client_a):
    services.appeal_change_status(appeal_id=appeal.pk, to_status="in_progress", actor=staff)
    services.appeal_change_status(
        appeal_id=appeal.pk,
        to_status="done",
        actor=staff,
        comment="Акт во вложении",
        answer_file=SimpleUploadedFile("Акт сверки.pdf", PDF),
    )
    card = client_a.get(f"/requests/{appeal.pk}/").content.decode()
    assert "Акт сверки.pdf" in card and "Ответ кредитора" in card and "ВЫПОЛНЕНА" in card


def test_refused_transitions_raise_and_change_nothing(staff, appeal):
    with pytest.raises(services.TransitionRefused):
        services.appeal_change_status(appeal_id=appeal.pk, to_status="closed", actor=staff)
    appeal.refresh_from_db()
    assert appeal.status == "sent" and appeal.history.count() == 1


def test_the_client_withdraws_unless_rejected_or_withdrawn(client_a, appeal, staff):
    html = client_a.get(f"/requests/{appeal.pk}/").content.decode()
    assert "Отозвать" in html
    client_a.post(f"/requests/{appeal.pk}/withdraw/")
    appeal.refresh_from_db()
    assert appeal.status == "withdrawn"
    assert "Отозвать" not in client_a.get(f"/requests/{appeal.pk}/").content.decode().split("</main>")[0].split(
        "Статусы"
    )[0].replace("Отозвана", "")
    response = client_a.post(f"/requests/{appeal.pk}/withdraw/", follow=True)
    assert "не может стать" in response.content.decode()


def test_the_list_filters_searches_and_shows_more_in_place(client_a, org_a, admin_a, contract, topics, settings):
    settings.KABINET_PAGE_SIZE = 3
    for n in range(5):
        services.appeal_create(
            org=org_a,
            user=admin_a,
            data=services.AppealInput(
                kind="contract", topic=topics["act"], contract=contract, description=f"Запрос номер {n}"
            ),
        )
    services.appeal_create(
        org=org_a,
        user=admin_a,
        data=services.AppealInput(
            kind="new_leasing", description="Нужен ЭКСКАВАТОР", full_name="x", phone="+79000000000"
        ),
    )
    page = client_a.get("/requests/")
    assert len(_appeal_rows(page)) == 3 and "Показать ещё" in page.content.decode()
    more = client_a.get("/requests/", {"page": 2, "more": 1}, headers={"HX-Request": "true"}).content.decode()
    assert more.count("<tr") == 3 and "<html" not in more and "Показать ещё" not in more  # the last three
    # The first column says the request type (the product's name, or the type itself).
    assert [row[0] for row in _appeal_rows(client_a.get("/requests/", {"kind": "new_leasing"}))] == [
        "Заявка на новый лизинг"
    ]
    assert len(_appeal_rows(client_a.get("/requests/", {"q": "экскаватор"}))) == 1
    assert _appeal_rows(client_a.get("/requests/", {"status": "done"})) == []


def _appeal_rows(response) -> list[list[str]]:
    """The requests list's rows as shown, without «Показать ещё» (an empty list shows no table)."""
    tables = parse(response).find_all("table", data_testid="appeals-table")
    return [row for row in tables[0].rows() if len(row) == 5] if tables else []


def test_requests_of_another_organization_are_a_404(appeal, user_b):
    other = Client()
    other.force_login(user_b)
    for url in (f"/requests/{appeal.pk}/",):
        assert other.get(url).status_code == 404
    assert other.post(f"/requests/{appeal.pk}/withdraw/").status_code == 404
    assert other.post(f"/requests/{appeal.pk}/answer/", {"body": "x"}).status_code == 404
    assert appeal.number not in other.get("/requests/").content.decode()


def test_the_list_query_count_does_not_grow(client_a, org_a, admin_a, contract, topics):
    def count():
        client_a.get("/requests/")  # the header's cache is warm, as on every request but the first
        with CaptureQueriesContext(connection) as ctx:
            client_a.get("/requests/")
        return len(ctx.captured_queries)

    services.appeal_create(
        org=org_a,
        user=admin_a,
        data=services.AppealInput(kind="contract", topic=topics["act"], contract=contract, description="x"),
    )
    before = count()
    for _ in range(15):
        services.appeal_create(
            org=org_a,
            user=admin_a,
            data=services.AppealInput(kind="contract", topic=topics["act"], contract=contract, description="x"),
        )
    assert count() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL test (CI runs it there)")
def test_numbers_are_unique_under_concurrency(org_a, admin_a):
    numbers, errors = [], []
    barrier = threading.Barrier(6)

    def work():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            numbers.append(
                services.appeal_create(
                    org=org_a,
                    user=admin_a,
                    data=services.AppealInput(kind="new_leasing", description="x", full_name="x", phone="+79000000000"),
                ).number
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(numbers)) == 6
    sequence = sorted(int(n[3:]) for n in numbers)
    assert sequence == list(range(sequence[0], sequence[0] + 6))


@pytest.mark.parametrize("path", [("review", "in_progress", "done"), ("review", "in_progress", "done", "closed")])
def test_a_finished_request_offers_no_withdrawal(client_a, appeal, staff, path):
    for status in path:
        services.appeal_change_status(appeal_id=appeal.pk, to_status=status, actor=staff)
    html = client_a.get(f"/requests/{appeal.pk}/").content.decode()
    assert f'action="/requests/{appeal.pk}/withdraw/"' not in html
    client_a.post(f"/requests/{appeal.pk}/withdraw/")
    appeal.refresh_from_db()
    assert appeal.status == path[-1]


def test_the_card_shows_the_staff_message_it_asks_to_answer(client_a, appeal, staff):
    services.appeal_change_status(appeal_id=appeal.pk, to_status="review", actor=staff)
    services.appeal_change_status(
        appeal_id=appeal.pk, to_status="needs_confirmation", actor=staff, comment="Подтвердите период сверки"
    )
    html = client_a.get(f"/requests/{appeal.pk}/").content.decode()
    alert = html.split('data-testid="asks-client"')[1].split("</div>")[0]
    assert "Подтвердите период сверки" in alert


def test_the_answer_form_keeps_the_text_and_the_files_after_an_error(client_a, appeal, staff):
    services.appeal_change_status(appeal_id=appeal.pk, to_status="review", actor=staff)
    services.appeal_change_status(appeal_id=appeal.pk, to_status="needs_confirmation", actor=staff, comment="?")
    url = f"/requests/{appeal.pk}/answer/"
    response = client_a.post(url, {"body": "", "files": [SimpleUploadedFile("Период.pdf", PDF)]})
    html = response.content.decode()
    assert response.status_code == 400 and "Период.pdf" in html and "Обязательное поле" in html
    [token] = _held_tokens(html)
    assert client_a.post(url, {"body": "Да, 2025", "held_files": token}).status_code == 302
    assert Document.objects.filter(appeal=appeal, direction="uploaded", original_name="Период.pdf").exists()
