"""S3 storage for the private files, with presigned links signed for the address browsers reach.

Inside compose the app reaches MinIO as `http://minio:9000`, a name no browser resolves; a presigned link
must name the public address (`S3_PUBLIC_ENDPOINT_URL`, e.g. https://files.example.ru) and be signed for
it (SigV4 signs the host, so rewriting the host of a signed link would break it). Reads and writes
keep using the internal endpoint; only `url()` signs with a client for the public one (no network call).

Every network call — a save, an open (its HEAD), the download of a file's bytes, the completion of a
write, a delete, an existence or size check, a listing — runs inside `storage_call()`, the per-process
bound of kabinet/core/storage_limit.py: a slow S3 never takes every thread of a worker.
"""

from __future__ import annotations

import threading

from botocore.exceptions import ClientError
from storages.backends.s3 import S3File, S3Storage
from storages.utils import clean_name

from kabinet.core.storage_limit import storage_call


class BoundedS3File(S3File):
    """S3's file whose download and whose closing upload count against the storage bound."""

    def _get_file(self):
        if self._file is not None:
            return self._file
        with storage_call():
            return super()._get_file()

    file = property(_get_file, S3File._set_file)

    def close(self):
        if "w" not in self._mode:
            return super().close()  # a read file's close is local
        with storage_call():
            return super().close()


class PrivateS3Storage(S3Storage):
    def __init__(self, public_endpoint_url: str | None = None, **options):
        super().__init__(**options)
        self.public_endpoint_url = public_endpoint_url or None
        self._public_clients = threading.local()

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_public_clients", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._public_clients = threading.local()

    def _open(self, name, mode="rb"):
        name = self._normalize_name(clean_name(name))
        try:
            with storage_call():
                return BoundedS3File(name, mode, self)
        except ClientError as err:
            if err.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                raise FileNotFoundError(f"File does not exist: {name}") from err
            raise

    def _save(self, name, content):
        with storage_call():
            return super()._save(name, content)

    def delete(self, name):
        with storage_call():
            return super().delete(name)

    def exists(self, name):
        with storage_call():
            return super().exists(name)

    def size(self, name):
        with storage_call():
            return super().size(name)

    def listdir(self, name):
        with storage_call():
            return super().listdir(name)

    def get_modified_time(self, name):
        with storage_call():
            return super().get_modified_time(name)

    def _public_client(self):
        client = getattr(self._public_clients, "client", None)
        if client is None:
            client = self._create_session().client(
                "s3",
                region_name=self.region_name,
                use_ssl=self.use_ssl,
                endpoint_url=self.public_endpoint_url,
                config=self.client_config,
                verify=self.verify,
            )
            self._public_clients.client = client
        return client

    def url(self, name, parameters=None, expire=None, http_method=None):
        if not self.public_endpoint_url:
            return super().url(name, parameters=parameters, expire=expire, http_method=http_method)
        params = dict(parameters or {})
        params["Bucket"] = self.bucket_name
        params["Key"] = self._normalize_name(clean_name(name))
        return self._public_client().generate_presigned_url(
            "get_object",
            Params=params,
            ExpiresIn=self.querystring_expire if expire is None else expire,
            HttpMethod=http_method,
        )
