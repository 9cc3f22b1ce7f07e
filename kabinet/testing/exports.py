"""Reading an exported list in tests: the header row and the data rows of the file a GET answered, and a GET
that writes nothing."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kabinet.core.xlsx import read_workbook
from kabinet.testing.routes import data_writes


def sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    workbook = read_workbook(b"".join(response.streaming_content))
    rows = list(workbook.active.iter_rows(values_only=True))
    return rows[1], rows[2:]  # the header row, then the data (row 1 is the heading)


def no_writes(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    writes = data_writes(queries)
    assert writes == [], writes
    return response
