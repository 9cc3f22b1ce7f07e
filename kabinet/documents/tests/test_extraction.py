"""Uploads cannot hurt the portal: a PDF is read in a child process with memory, CPU, page and output
limits, killed past them (the document stays, marked «текст не извлечён»), and text extraction has its
own queue and worker, so a code SMS queued after a hostile file goes out at once."""

from __future__ import annotations

import resource
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import yaml
from django.conf import settings as project_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import RequestFactory
from django_tasks.base import TaskResultStatus as ResultStatus
from django_tasks_db.models import DBTaskResult

from kabinet.accounts import services as accounts
from kabinet.accounts.models import PhoneChallenge, SmsMessage
from kabinet.accounts.tasks import deliver_sms
from kabinet.core import pdftext
from kabinet.core.net import Origin
from kabinet.documents.models import Document
from kabinet.documents.tasks import EXTRACTION_QUEUE, extract_text
from kabinet.messaging import sms

BASE = Path(project_settings.BASE_DIR)


def bomb(pages: int = 50, inflated: int = 64 * 2**20) -> bytes:
    """A PDF of ~100 KB whose pages all draw one Flate stream that inflates to `inflated` bytes of
    drawing operators: pdfium inflates and parses it again for every page."""
    packer = zlib.compressobj(9)
    chunk = b"q Q " * (2**18)
    body = b"".join(packer.compress(chunk) for _ in range(inflated // len(chunk))) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (4 + i) for i in range(pages)) + b"] /Count %d >>" % pages,
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>"] * pages,
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture
def tight(settings):
    """Limits small enough for a test to meet them at once (production: settings.py)."""
    settings.DOCUMENT_EXTRACT_CPU_SECONDS = 1
    settings.DOCUMENT_EXTRACT_MEMORY_MB = 256
    return settings


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_a_decompression_bomb_is_killed_within_its_limits_and_the_document_stays_marked(
    client_a, org_a, tight, django_capture_on_commit_callbacks
):
    data = bomb()
    assert len(data) < 200_000
    cpu_before = _children_cpu()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            "/documents/upload/", {"files": [SimpleUploadedFile("bomb.pdf", data)], "doc_type": "Скан"}
        )
    assert response.status_code == 302
    # The reader was stopped by its CPU limit (1 s), not after the minutes of work the file asks for.
    assert _children_cpu() - cpu_before < tight.DOCUMENT_EXTRACT_CPU_SECONDS + 1.5
    document = Document.objects.for_org(org_a).get(original_name="bomb.pdf")
    assert document.text_status == Document.TextStatus.FAILED and document.text == ""
    page = client_a.get("/documents/uploaded/").content.decode()
    assert "bomb.pdf" in page and "Текст не извлечён" in page


def test_the_reader_is_limited_in_memory_pages_and_output(tight):
    limits = pdftext.Limits(memory_bytes=128 * 2**20, cpu_seconds=5, max_pages=2, max_chars=20)
    with pytest.raises(pdftext.ExtractionFailed):
        pdftext.extract_pdf_text(bomb(pages=1, inflated=256 * 2**20), limits)  # one page, more than 128 MB
    from weasyprint import HTML  # reason: a heavy library, only for the PDF this test reads

    pages = "".join(f'<p style="break-after: page">Страница{n} договор лизинга</p>' for n in range(1, 5))
    text = pdftext.extract_pdf_text(HTML(string=pages).write_pdf(), limits)
    assert text.startswith("Страница1") and "Страница3" not in text and len(text) <= 20
    with pytest.raises(pdftext.ExtractionFailed):
        pdftext.extract_pdf_text(b"%PDF-1.4 not really", limits)


def test_a_readable_pdf_is_marked_extracted_and_other_files_need_nothing(
    client_a, org_a, django_capture_on_commit_callbacks
):
    from weasyprint import HTML  # reason: a heavy library, only for the PDF this test reads

    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(
            "/documents/upload/",
            {
                "files": [
                    SimpleUploadedFile("a.pdf", HTML(string="<p>Ведомость</p>").write_pdf()),
                    SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
                ],
                "doc_type": "Скан",
            },
        )
    statuses = dict(Document.objects.for_org(org_a).values_list("original_name", "text_status"))
    assert statuses == {"a.pdf": "extracted", "b.png": "none"}


def test_extraction_has_its_own_queue_with_a_worker_wherever_the_portal_runs():
    assert extract_text.queue_name == EXTRACTION_QUEUE != deliver_sms.queue_name == "default"
    assert set(project_settings.TASK_QUEUES) == {"default", EXTRACTION_QUEUE}
    serve = (BASE / "kabinet/core/management/commands/serve.py").read_text()
    assert '"--queue-name", q] for q in settings.TASK_QUEUES' in serve
    services = yaml.safe_load((BASE / "deploy/compose.yaml").read_text())["services"]
    queues_run = {service["command"][3] for service in services.values() if "rqworker" in service.get("command", [])}
    assert queues_run == {"default", EXTRACTION_QUEUE}
    units = [p.read_text() for p in (BASE / "deploy/systemd").glob("*.service")]
    for queue in ("default", EXTRACTION_QUEUE):
        assert any(f"rqworker {queue} " in unit for unit in units), queue
    prodtest = (BASE / "deploy/prodtest.py").read_text()
    assert '"extraction-worker": ["extraction"]' in prodtest


@pytest.mark.parametrize("backend", ["django_tasks_db.DatabaseBackend", "django_tasks_rq.RQBackend"])
def test_both_task_backends_know_both_queues(backend):
    # reason: settings.py is read once per process (and the tests override TASKS): a fresh one reads it.
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(sorted(s.TASKS['default']['QUEUES']), sorted(getattr(s, 'RQ_QUEUES', s.TASK_QUEUES)))"
    )
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "TASKS_BACKEND": backend, "PATH": "/usr/bin:/bin"}
    env |= {"REDIS_URL": "redis://127.0.0.1:1/0"} if "rq" in backend else {}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=BASE, env=env, capture_output=True, text=True, check=False
    )
    assert done.stdout.strip() == "['default', 'extraction'] ['default', 'extraction']", done.stderr[-500:]


def test_a_code_sms_queued_after_a_bomb_goes_out_while_the_bomb_still_waits(
    client_a, org_a, settings, django_capture_on_commit_callbacks, monkeypatch
):
    # The worker runs inside this test's transaction: its «close old connections» between tasks would
    # close the test's own connection on PostgreSQL (outside autocommit), so it is a no-op here.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": project_settings.TASK_QUEUES}}
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post("/documents/upload/", {"files": [SimpleUploadedFile("bomb.pdf", bomb())], "doc_type": "Скан"})
    with django_capture_on_commit_callbacks(execute=True):
        accounts.challenge_issue(
            phone="+79001112233",
            purpose=PhoneChallenge.Purpose.REGISTRATION,
            origin=Origin.of(RequestFactory().post("/", REMOTE_ADDR="10.1.1.1")),
        )
    assert DBTaskResult.objects.filter(queue_name=EXTRACTION_QUEUE, status=ResultStatus.READY).count() == 1
    # The worker of "default" (what `manage.py serve` and deploy/ run) sends the code at once…
    call_command("db_worker", queue_name="default", batch=True, startup_delay=False, verbosity=0)
    assert [m["phone"] for m in sms.outbox] == ["+79001112233"]
    assert SmsMessage.objects.get().status == SmsMessage.Status.SENT
    # …and never took the file: it waits for the extraction worker.
    assert DBTaskResult.objects.filter(queue_name=EXTRACTION_QUEUE, status=ResultStatus.READY).count() == 1
    assert Document.objects.for_org(org_a).get(original_name="bomb.pdf").text_status == "pending"


def test_one_post_carries_at_most_five_files_and_fifty_megabytes_in_all(client_a, org_a, settings):
    pdf = b"%PDF-1.4\n" + b"0" * 80
    six = [SimpleUploadedFile(f"{n}.pdf", pdf) for n in range(6)]
    response = client_a.post("/documents/upload/", {"files": six, "doc_type": "Скан"})
    assert response.status_code == 400 and "Не больше 5 файлов за раз." in response.content.decode()
    assert settings.DOCUMENT_UPLOAD_MAX_TOTAL_BYTES == 50 * 2**20
    settings.DOCUMENT_UPLOAD_MAX_TOTAL_BYTES = 2**20
    two = [SimpleUploadedFile(f"{n}.pdf", pdf + b"0" * 600_000) for n in range(2)]
    response = client_a.post("/documents/upload/", {"files": two, "doc_type": "Скан"})
    assert response.status_code == 400 and "Все файлы вместе — не более 1 МБ" in response.content.decode()
    assert not Document.objects.for_org(org_a).exists()
