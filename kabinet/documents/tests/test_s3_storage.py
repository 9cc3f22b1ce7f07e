"""Files in S3-compatible storage, against a real S3 HTTP server (moto's, started by the fixture).

The portal is configured the way the README says (`STORAGE_BACKEND=s3`): django-storages' S3Storage
talks HTTP to the server, and `PRIVATE_FILES_DELIVERY=s3-presigned` hands the browser a short-lived
signed URL after the access check.
"""

import io
import zipfile
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from django.test import Client
from moto.server import ThreadedMotoServer

from kabinet.documents.tests.conftest import make_document

BUCKET = "kabinet-test"
CREDENTIALS = {"aws_access_key_id": "kabinet", "aws_secret_access_key": "kabinet-secret", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, settings):
    client = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "kabinet.core.s3.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "region_name": CREDENTIALS["region_name"],
                "signature_version": "s3v4",
                "default_acl": "private",
                "querystring_auth": True,
            },
        },
    }
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_an_uploaded_document_lands_in_the_bucket_and_downloads_through_the_app(client_a, org_a, s3):
    document = make_document(org_a, title="Акт сверки", name="Акт сверки за 2025 год.pdf", content=b"%PDF-1.4 s3")
    stored = s3.get_object(Bucket=BUCKET, Key=document.file.name)
    assert stored["Body"].read() == b"%PDF-1.4 s3"

    response = client_a.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 s3"


def test_presigned_delivery_redirects_to_a_signed_minute_long_url_that_the_bucket_honours(
    client_a, org_a, s3, s3_endpoint, settings
):
    settings.PRIVATE_FILES_DELIVERY = "s3-presigned"
    document = make_document(org_a, title="УПД № 15", name="УПД за март.pdf", content=b"%PDF-1.4 presigned")

    response = client_a.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    location = response["Location"]
    assert location.startswith(f"{s3_endpoint}/{BUCKET}/")
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["60"]
    assert query["X-Amz-Signature"]

    fetched = requests.get(location, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == b"%PDF-1.4 presigned"
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert fetched.headers["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert "%D0%A3%D0%9F%D0%94" in fetched.headers["Content-Disposition"]  # «УПД», RFC 5987
    # Checking the signature is the bucket's job (moto's server does not check it), so the test
    # stops at what the portal controls: a SigV4 URL for this object with a 60-second expiry.
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]


def test_another_organization_gets_a_404_and_no_signed_url(org_a, user_b, s3, settings):
    settings.PRIVATE_FILES_DELIVERY = "s3-presigned"
    document = make_document(org_a, title="Чужой акт", content=b"%PDF-1.4 secret")
    other = Client()
    other.force_login(user_b)
    response = other.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 404
    assert "Location" not in response


def test_a_zip_streams_files_read_from_the_bucket(client_a, org_a, s3):
    first = make_document(org_a, title="Первый", name="Первый.pdf", content=b"%PDF-1.4 one")
    second = make_document(org_a, title="Второй", name="Второй.pdf", content=b"%PDF-1.4 two" * 50_000)
    response = client_a.post("/documents/zip/", {"ids": [first.pk, second.pk]})
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    assert archive.read("Первый.pdf") == b"%PDF-1.4 one"
    assert archive.read("Второй.pdf") == b"%PDF-1.4 two" * 50_000
