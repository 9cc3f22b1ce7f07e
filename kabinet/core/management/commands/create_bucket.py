"""Create the S3 bucket the portal stores its files in (STORAGE_BACKEND=s3), if it does not exist yet.

Run once after setting the S3_* variables (compose's one-shot `minio-bucket` does the same with `mc`).
The bucket stays private: files are reached only through the portal's access-checked views."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Creates the S3 bucket of STORAGE_BACKEND=s3 (S3_BUCKET) when it is missing."

    def handle(self, *args, **options):
        storage: Any = default_storage  # an S3Storage when configured (checked next)
        bucket_name = getattr(storage, "bucket_name", None)
        if not bucket_name:
            raise CommandError("The file storage is not S3 (set STORAGE_BACKEND=s3 and S3_BUCKET).")
        client = storage.connection.meta.client
        try:
            client.head_bucket(Bucket=bucket_name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket", "NotFound"}:
                raise CommandError(f"Cannot check the bucket {bucket_name}: {exc}") from exc
        else:
            self.stdout.write(f"The bucket {bucket_name} exists.")
            return
        region = storage.region_name
        extra = (
            {"CreateBucketConfiguration": {"LocationConstraint": region}} if region and region != "us-east-1" else {}
        )
        client.create_bucket(Bucket=bucket_name, **extra)
        self.stdout.write(f"Created the bucket {bucket_name}.")
