"""The support centre (§9): threads are a chat between the client's employees and staff."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kabinet.notifications.models import Notification
from kabinet.support import services
from kabinet.support.models import SupportAttachment, SupportThread


@pytest.fixture
def thread(org_a, admin_a):
    return services.thread_create(
        org=org_a,
        user=admin_a,
        topic="Не приходит СМС",
        body="Помогите, что-то не работает",
        files=[SimpleUploadedFile("s.pdf", b"%PDF-1.4 x")],
    )


def test_a_client_opens_a_thread_and_colleagues_see_it_with_an_unread_mark(client_a, manager_a, org_a):
    response = client_a.post("/support/new/", {"topic": "Вопрос по счёту", "body": "Где счёт за декабрь?"})
    thread = SupportThread.objects.get()
    assert response["Location"] == f"/support/{thread.pk}/"
    colleague = Client()
    colleague.force_login(manager_a)
    html = colleague.get("/support/").content.decode()
    assert "Вопрос по счёту" in html and "Где счёт за декабрь?" in html and "kb-unread" in html
    colleague.get(f"/support/{thread.pk}/")
    assert "kb-unread" in colleague.get("/support/").content.decode().split("<tbody>")[1]  # a GET marks nothing
    colleague.post(f"/support/{thread.pk}/read/")  # what the thread's page sends as it loads
    assert "kb-unread" not in colleague.get("/support/").content.decode().split("<tbody>")[1]


def test_the_composer_keeps_the_text_on_an_error(client_a, thread):
    response = client_a.post(
        f"/support/{thread.pk}/", {"body": "Прикладываю", "files": [SimpleUploadedFile("x.pdf", b"<html>")]}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Прикладываю" in html and "не принимается" in html


def test_staff_answer_the_client_is_told_and_the_chat_polls_new_messages(
    client_a, staff, thread, admin_a, django_capture_on_commit_callbacks
):
    staff_client = Client()
    staff_client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            f"/admin/support/supportthread/{thread.pk}/change/",
            {
                "status": "answered",
                "reply": "Проверили, попробуйте ещё раз",
                "messages-TOTAL_FORMS": 1,
                "messages-INITIAL_FORMS": 1,
                "messages-0-id": thread.messages.get().pk,
                "messages-0-thread": thread.pk,
            },
        )
    assert Notification.objects.filter(user=admin_a, kind="support_reply").exists()
    poll = client_a.get(f"/support/{thread.pk}/?poll=1", headers={"HX-Request": "true"}).content.decode()
    assert "Проверили, попробуйте ещё раз" in poll and "<html" not in poll and "Поддержка" in poll


def test_threads_and_files_of_another_organization_are_a_404(thread, user_b):
    other = Client()
    other.force_login(user_b)
    attachment = SupportAttachment.objects.get()
    assert other.get(f"/support/{thread.pk}/").status_code == 404
    assert other.post(f"/support/{thread.pk}/", {"body": "x"}).status_code == 404
    assert other.get(f"/support/files/{attachment.pk}/").status_code == 404
    assert "Не приходит СМС" not in other.get("/support/").content.decode()


def test_the_attachment_downloads_for_the_organization(client_a, thread):
    response = client_a.get(f"/support/files/{SupportAttachment.objects.get().pk}/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("which", ["list", "thread"])
def test_query_counts_do_not_grow(client_a, org_a, admin_a, thread, which):
    url = "/support/" if which == "list" else f"/support/{thread.pk}/"

    def count():
        client_a.get(url)  # the header's cache is warm, as on every request but the first
        with CaptureQueriesContext(connection) as ctx:
            client_a.get(url)
        return len(ctx.captured_queries)

    before = count()
    for n in range(10):
        services.thread_create(org=org_a, user=admin_a, topic=f"Тема {n}", body="x", files=[])
        services.message_post(
            org=org_a,
            user=admin_a,
            thread_id=thread.pk,
            body=f"сообщение {n}",
            files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4")],
        )
    assert count() == before


def test_numbers_follow_the_one_client_scheme(thread):
    assert re.fullmatch(r"TP-\d{7}", thread.number)


def test_the_support_series_starts_at_one_and_runs_apart_from_the_requests(org_a, admin_a):
    first = services.thread_create(org=org_a, user=admin_a, topic="Вопрос", body="1", files=[])
    second = services.thread_create(org=org_a, user=admin_a, topic="Вопрос", body="2", files=[])
    assert (first.number, second.number) == ("TP-0000001", "TP-0000002")


def test_staff_attach_files_to_an_answer_and_the_client_downloads_them(client_a, staff, thread):
    staff_client = Client()
    staff_client.force_login(staff)
    response = staff_client.post(
        f"/admin/support/supportthread/{thread.pk}/change/",
        {
            "status": "answered",
            "reply": "Акт во вложении",
            "reply_files": [SimpleUploadedFile("Акт.pdf", b"%PDF-1.4 answer")],
            "messages-TOTAL_FORMS": 1,
            "messages-INITIAL_FORMS": 1,
            "messages-0-id": thread.messages.get().pk,
            "messages-0-thread": thread.pk,
        },
    )
    assert response.status_code == 302
    answer = thread.messages.get(from_staff=True)
    (attachment,) = answer.attachments.all()
    assert attachment.original_name == "Акт.pdf" and attachment.organization_id == thread.organization_id
    html = client_a.get(f"/support/{thread.pk}/").content.decode()
    assert f"/support/files/{attachment.pk}/" in html
    assert client_a.get(f"/support/files/{attachment.pk}/").status_code == 200


def test_the_client_sees_a_closed_thread_and_reopens_it_by_writing(client_a, thread):
    SupportThread.objects.filter(pk=thread.pk).update(status=SupportThread.Status.CLOSED)
    listing = client_a.get("/support/").content.decode()
    assert "Закрыто" in listing
    card = client_a.get(f"/support/{thread.pk}/").content.decode()
    assert 'data-testid="closed-note"' in card and "Отправить и открыть снова" in card
    client_a.post(f"/support/{thread.pk}/", {"body": "Вопрос не решён"})
    thread.refresh_from_db()
    assert thread.status == SupportThread.Status.OPEN
    assert "Открыто" in client_a.get(f"/support/{thread.pk}/").content.decode()


def test_files_chosen_before_an_error_are_kept_for_a_new_thread_and_a_message(client_a, thread, user_b, org_b):
    """14.2: the file is not chosen again after an error; a token of another person is refused."""
    from kabinet.core.models import HeldUpload
    from kabinet.documents.held import hold

    pdf = b"%PDF-1.4\n%support\n"
    html = client_a.post(
        "/support/new/", {"topic": "Вопрос", "body": "", "files": [SimpleUploadedFile("Скан.pdf", pdf)]}
    ).content.decode()
    [token] = re.findall(r'name="held_files" value="([^"]+)"', html)
    assert "Скан.pdf" in html
    response = client_a.post("/support/new/", {"topic": "Вопрос", "body": "Текст", "held_files": token})
    assert response.status_code == 302
    created = SupportThread.objects.exclude(pk=thread.pk).get()
    assert [a.original_name for a in SupportAttachment.objects.filter(message__thread=created)] == ["Скан.pdf"]

    url = f"/support/{thread.pk}/"
    html = client_a.post(url, {"body": "", "files": [SimpleUploadedFile("Ответ.pdf", pdf)]}).content.decode()
    [token] = re.findall(r'name="held_files" value="([^"]+)"', html)
    foreign = hold(
        user=user_b, org=org_b, uploaded=SimpleUploadedFile("Чужой.pdf", pdf), content_type="application/pdf"
    )
    refused = client_a.post(url, {"body": "Вот", "held_files": [token, foreign.token]})
    assert refused.status_code == 400 and "больше недоступен" in refused.content.decode()
    assert not SupportAttachment.objects.filter(original_name="Чужой.pdf", message__thread=thread).exists()
    assert client_a.post(url, {"body": "Вот", "held_files": token}).status_code == 302
    assert SupportAttachment.objects.filter(message__thread=thread, original_name="Ответ.pdf").exists()
    assert list(HeldUpload.objects.all()) == [foreign]
