"""A slow S3 never takes every thread of a worker: at most STORAGE_MAX_CALLS threads of a process wait on
the storage; the next request gets the Russian 503 «Хранилище файлов отвечает медленно» with Retry-After,
and nothing of it is left half written (no row, no object in the bucket).

Against a real S3 HTTP server (moto's), through kabinet.testing.slowproxy for the slow one.
"""

from __future__ import annotations

import threading

import boto3
import pytest
from botocore.config import Config
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.test import Client
from moto.server import ThreadedMotoServer

from kabinet.core import storage_limit
from kabinet.core.storage_limit import StorageBusy, storage_call
from kabinet.documents.models import Document
from kabinet.documents.tests.conftest import make_document
from kabinet.testing.slowproxy import SlowProxy

BUCKET = "kabinet-limit"
CREDENTIALS = {"aws_access_key_id": "kabinet", "aws_secret_access_key": "kabinet-secret", "region_name": "us-east-1"}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
SLOW = "Хранилище файлов отвечает медленно, попробуйте позже"


@pytest.fixture(scope="module")
def moto_port():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    yield server.get_host_and_port()[1]
    server.stop()


@pytest.fixture
def proxy(moto_port):
    proxy = SlowProxy(moto_port).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def bucket(moto_port, proxy, settings):
    """The portal's S3 storage (PrivateS3Storage) reaching moto through the proxy, with short timeouts."""
    client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{moto_port}", **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "kabinet.core.s3.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": proxy.url,
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "region_name": CREDENTIALS["region_name"],
                "signature_version": "s3v4",
                "client_config": Config(
                    signature_version="s3v4", connect_timeout=1, read_timeout=0.5, retries={"total_max_attempts": 1}
                ),
                "default_acl": "private",
                "querystring_auth": True,
            },
        },
    }
    settings.STORAGE_MAX_CALLS = 1
    settings.STORAGE_WAIT_TIMEOUT = 0.2
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _objects(client) -> list[str]:
    return [obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def _client(signed_in: Client) -> Client:
    client = Client(raise_request_exception=False)
    client.cookies = signed_in.cookies
    return client


def _upload(client: Client, *names: str):
    files = [SimpleUploadedFile(name, PDF, content_type="application/pdf") for name in names]
    return client.post("/documents/upload/", {"doc_type": "Акт", "files": files})


class Holder(threading.Thread):
    """Another thread of the process inside the storage (a slow call) until `release`."""

    def __init__(self):
        super().__init__(daemon=True)
        self.inside, self.release, self.refused = threading.Event(), threading.Event(), False

    def run(self):
        try:
            with storage_call():
                self.inside.set()
                self.release.wait(30)
        except StorageBusy:
            self.refused = True
            self.inside.set()


def test_a_call_beyond_the_bound_waits_its_timeout_then_is_refused(settings):
    settings.STORAGE_MAX_CALLS, settings.STORAGE_WAIT_TIMEOUT = 2, 0.1
    holders = [Holder(), Holder()]
    for holder in holders:
        holder.start()
        holder.inside.wait(5)
    try:
        assert not any(h.refused for h in holders)
        assert storage_limit.in_use() == 2
        with pytest.raises(StorageBusy), storage_call():
            pass
    finally:
        for holder in holders:
            holder.release.set()
            holder.join(5)
    assert storage_limit.in_use() == 0
    with storage_call():
        assert storage_limit.in_use() == 1
    assert storage_limit.in_use() == 0


def test_a_request_keeps_its_slot_until_it_ends_and_nested_calls_take_no_other(settings, db):
    settings.STORAGE_MAX_CALLS, settings.STORAGE_WAIT_TIMEOUT = 1, 0.1
    request_started.send(sender=None)
    try:
        with storage_call(), storage_call():
            pass
        assert storage_limit.in_use() == 1  # kept for the request's later calls
        other = Holder()
        other.start()
        other.join(5)
        assert other.refused
        with storage_call():  # the request's next call does not wait
            pass
    finally:
        request_finished.send(sender=None)
    assert storage_limit.in_use() == 0


def test_an_upload_while_every_storage_slot_is_taken_is_a_russian_503_and_leaves_nothing(client_a, bucket):
    holder = Holder()
    holder.start()
    holder.inside.wait(5)
    before = Document.objects.count()
    try:
        response = _upload(_client(client_a), "busy.pdf")
    finally:
        holder.release.set()
        holder.join(5)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert SLOW in response.content.decode()
    assert Document.objects.count() == before
    assert _objects(bucket) == []
    # The slot given back, the same upload goes through.
    assert _upload(_client(client_a), "busy.pdf").status_code == 302
    assert len(_objects(bucket)) == 1


def test_s3_slower_than_its_timeout_is_the_same_503_and_nothing_reaches_the_bucket(client_a, bucket, proxy):
    proxy.slow(hold=2.0)
    before = Document.objects.count()
    response = _upload(_client(client_a), "slow.pdf")
    assert response.status_code == 503
    assert SLOW in response.content.decode()
    assert Document.objects.count() == before
    proxy.fast()
    assert _objects(bucket) == []
    assert proxy.reached == 0 and proxy.abandoned >= 1
    assert storage_limit.in_use() == 0


def test_the_second_file_failing_removes_the_first_even_with_other_threads_queued_for_the_storage(
    client_a, bucket, settings, monkeypatch
):
    """The request keeps its slot: another thread waiting for the storage cannot take it between the first
    file's save and its removal, so the rollback's delete never finds the storage busy."""
    settings.STORAGE_WAIT_TIMEOUT = 10
    from kabinet.core.s3 import PrivateS3Storage

    saved, waiting = [], Holder()
    original = PrivateS3Storage._save

    def second_fails(self, name, content):
        saved.append(name)
        if len(saved) == 2:
            waiting.start()  # queues for the storage while this request is inside it
            raise OSError("S3 went away")
        return original(self, name, content)

    monkeypatch.setattr(PrivateS3Storage, "_save", second_fails)
    before = Document.objects.count()
    response = _upload(_client(client_a), "one.pdf", "two.pdf")
    assert response.status_code == 500
    assert Document.objects.count() == before
    assert _objects(bucket) == []  # the first file, stored, was removed with the rollback
    waiting.inside.wait(10)
    assert not waiting.refused  # it got the slot once the request had ended
    waiting.release.set()
    waiting.join(5)


def test_a_zip_from_a_slow_storage_is_the_503_page_before_any_byte(client_a, org_a, bucket, proxy):
    document = make_document(org_a, title="Акт", content=PDF)
    proxy.slow(hold=2.0)
    response = _client(client_a).post("/documents/zip/", {"tab": "incoming", "ids": [document.pk]})
    proxy.fast()
    assert response.status_code == 503
    assert SLOW in response.content.decode()
