"""`core.files`: the one upload check every form and service uses."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from kabinet.core.files import check_file_count, check_upload, check_uploads


def test_a_file_is_recognised_by_its_content_and_must_match_its_name():
    assert check_upload(SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")) == "application/pdf"
    with pytest.raises(ValidationError) as exc:
        check_upload(SimpleUploadedFile("a.pdf", b"\x89PNG\r\n\x1a\n"))
    assert exc.value.code == "type"


def test_every_bad_file_is_reported_at_once_in_russian(settings):
    settings.DOCUMENT_UPLOAD_MAX_BYTES = 2**20
    files = [
        SimpleUploadedFile("ok.pdf", b"%PDF-1.4"),
        SimpleUploadedFile("empty.pdf", b""),
        SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 2**20),
        SimpleUploadedFile("virus.exe", b"MZ\x90\x00"),
    ]
    with pytest.raises(ValidationError) as exc:
        check_uploads(files)
    assert exc.value.messages == [
        "Файл «empty.pdf» пуст.",
        "Файл «big.pdf» больше 1 МБ.",
        "«virus.exe»: такой тип файла не принимается. Отправьте PDF, JPEG, PNG, DOC(X) или XLS(X).",
    ]


def test_the_count_limit(settings):
    settings.DOCUMENT_UPLOAD_MAX_FILES = 2
    check_file_count(2)
    with pytest.raises(ValidationError) as exc:
        check_uploads([SimpleUploadedFile(f"{n}.pdf", b"%PDF-1.4") for n in range(3)])
    assert exc.value.code == "too_many"
