"""Backups and S3 as an operator meets them: a database restored without its files is noticed
(`verify_storage`, `/readyz`), the bucket is created by a command, files stored on disk before a switch
to S3 are copied into it, and presigned links name the public address of the bucket."""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError
from moto.server import ThreadedMotoServer

from kabinet.documents.tests.conftest import make_document

BUCKET = "kabinet-ops"
CREDENTIALS = {"access_key": "kabinet", "secret_key": "kabinet-secret", "region_name": "us-east-1"}


def s3_storage(endpoint: str, **extra) -> dict:
    return {
        "BACKEND": "kabinet.core.s3.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET,
            "endpoint_url": endpoint,
            **CREDENTIALS,
            "signature_version": "s3v4",
            "default_acl": "private",
            "querystring_auth": True,
            **extra,
        },
    }


@pytest.fixture(scope="module")
def s3_port():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    yield server.get_host_and_port()[1]
    server.stop()


@pytest.fixture
def bucket(s3_port):
    endpoint = f"http://127.0.0.1:{s3_port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
        region_name="us-east-1",
    )
    yield endpoint, client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_a_restored_database_without_its_files_is_reported_by_verify_storage_and_readyz(
    client, org_a, settings, capsys
):
    documents = [make_document(org_a, title=f"Акт {n}", content=b"%PDF-1.4 " + bytes([65 + n])) for n in range(3)]
    call_command("verify_storage")
    assert client.get("/readyz").json()["checks"]["storage"]["status"] == "ok"

    shutil.rmtree(settings.MEDIA_ROOT)  # the database is back, the media folder is empty
    capsys.readouterr()
    with pytest.raises(CommandError, match="3 stored file"):
        call_command("verify_storage")
    out = capsys.readouterr().out
    for document in documents:
        assert f"documents.Document pk={document.pk} {document.file.name}" in out
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "documents.Document" in ready.json()["checks"]["storage"]["detail"]


def test_the_bucket_is_created_by_a_command_and_files_stored_before_the_switch_are_copied(
    client_a, org_a, settings, bucket
):
    endpoint, s3 = bucket
    document = make_document(org_a, title="Акт до S3", content=b"%PDF-1.4 on disk")
    local_media = settings.MEDIA_ROOT
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(endpoint)}

    call_command("create_bucket")
    call_command("create_bucket")  # a second run finds it
    assert s3.head_bucket(Bucket=BUCKET)["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(CommandError):
        call_command("verify_storage")  # the file is still only on disk

    call_command("copy_media_to_storage", "--from", str(local_media))
    call_command("verify_storage")
    call_command("copy_media_to_storage", "--from", str(local_media))  # nothing left to copy
    response = client_a.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 on disk"


def test_presigned_links_name_the_public_endpoint_and_the_bucket_honours_them(
    client_a, org_a, settings, bucket, s3_port
):
    endpoint, s3 = bucket
    s3.create_bucket(Bucket=BUCKET)
    # Inside compose the app reaches the bucket by an internal name; browsers by the public one.
    public = f"http://localhost:{s3_port}"
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(endpoint, public_endpoint_url=public)}
    settings.PRIVATE_FILES_DELIVERY = "s3-presigned"
    document = make_document(org_a, title="УПД", content=b"%PDF-1.4 presigned")

    location = client_a.get(f"/documents/{document.pk}/download/")["Location"]
    assert location.startswith(f"{public}/{BUCKET}/"), location
    assert "X-Amz-Signature=" in urlsplit(location).query
    fetched = requests.get(location, timeout=10)
    assert fetched.status_code == 200 and fetched.content == b"%PDF-1.4 presigned"
