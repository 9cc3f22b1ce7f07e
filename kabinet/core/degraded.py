"""The error page when a dependency is gone rather than broken: Redis (the RQ task queue) unreachable,
the PostgreSQL primary restarting, or the file storage full.

The cache and the sessions degrade by themselves (kabinet/core/cache.py). What remains is a request that
must queue a task on RQ while Redis is down — a code SMS, an e-mail, a webhook: the row is written (the
outbox sweep sends it once Redis is back) but the enqueue fails. That is no bug of the page: the user is
told in Russian that the service is briefly unavailable, with a 503 and Retry-After, never a 500.

The same holds for a database connection lost mid-request (the primary restarting or failing over, a
backend terminated, a query cancelled by `statement_timeout`): the request's transaction is rolled back,
so nothing it wrote stays, and the user is told to check and send again — a 503, not a 500. Likewise
for the S3 endpoint down or slower than its timeouts. And for a
storage that refuses a file because its disk is full (ENOSPC, EDQUOT): the upload's rows are rolled back
with it and the page says so in words. And for a storage too slow to wait for: every storage slot of
the process taken (kabinet/core/storage_limit.py) or S3's timeouts passed — «Хранилище файлов отвечает
медленно, попробуйте позже».
Everything else is Django's own 500 page.
"""

from __future__ import annotations

import errno
import sys

from botocore.exceptions import ConnectionError as S3ConnectionError
from botocore.exceptions import ConnectTimeoutError as S3ConnectTimeout
from botocore.exceptions import HTTPClientError as S3ClientError
from botocore.exceptions import ReadTimeoutError as S3ReadTimeout
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from kabinet.core.storage_limit import StorageBusy

RETRY_AFTER_SECONDS = 30
# A dependency gone rather than broken: Redis, the database connection, the S3 endpoint (unreachable, or
# slower than S3_CONNECT_TIMEOUT / S3_READ_TIMEOUT).
_UNAVAILABLE = (
    RedisConnectionError,
    RedisTimeoutError,
    OperationalError,
    InterfaceError,
    S3ConnectionError,
    S3ClientError,
    StorageBusy,
)
# The storage answers, but too slowly to wait for.
_STORAGE_SLOW = (StorageBusy, S3ReadTimeout, S3ConnectTimeout)
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def disk_full(error: BaseException | None) -> bool:
    """The storage refused a file for want of space (a full disk or a quota), here or in its cause."""
    while error is not None:
        if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
            return True
        error = error.__cause__ or error.__context__
    return False


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    error = sys.exc_info()[1]
    full = disk_full(error)
    if full or isinstance(error, _UNAVAILABLE):
        # Drawn like the 500 page: no context processors, no database, no cache.
        context = {"disk_full": full, "storage_slow": isinstance(error, _STORAGE_SLOW)}
        response = HttpResponse(loader.get_template("503.html").render(context), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
