"""The request log: one line per request, bounded, with the request id only a trusted proxy may give,
and no secret of a link — neither in it nor in gunicorn's access log."""

from __future__ import annotations

import hashlib
import logging
import runpy
import secrets
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from gunicorn.config import Config

from kabinet.contracts.services import calendar_feed_issue
from kabinet.organizations.models import Invitation

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


def request_lines(caplog) -> list[dict]:
    return [r.msg for r in caplog.records if r.name == "kabinet.request" and isinstance(r.msg, dict)]


def access_log_line(response) -> str:
    """The line gunicorn, configured by deploy/gunicorn.conf.py, writes for the request behind `response`."""
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    cfg = Config()
    for name in ("accesslog", "access_log_format", "logger_class"):
        cfg.set(name, conf[name])
    logger = cfg.logger_class(cfg)
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger.access_log.handlers = [handler]
    environ = dict(response.wsgi_request.environ)
    query = environ.get("QUERY_STRING", "")
    environ["RAW_URI"] = environ["PATH_INFO"] + (f"?{query}" if query else "")
    environ.setdefault("SERVER_PROTOCOL", "HTTP/1.1")
    environ["HTTP_REFERER"] = f"https://portal.example.ru{environ['RAW_URI']}"
    headers = [(k[5:].replace("_", "-").upper(), v) for k, v in environ.items() if k.startswith("HTTP_")]
    reply = SimpleNamespace(status=f"{response.status_code} X", headers=list(response.items()), sent=10)
    logger.access(reply, SimpleNamespace(headers=headers), environ, timedelta(milliseconds=5))
    assert len(lines) == 1
    return lines[0]


def test_each_secret_link_is_redacted_in_the_request_log_and_the_access_log(client, admin_a, org_a, caplog):
    caplog.set_level(logging.INFO)
    feed_token = calendar_feed_issue(user=admin_a, org=org_a)
    invitation_token = secrets.token_urlsafe(32)
    Invitation.objects.create(
        organization=org_a,
        phone="+79215550101",
        full_name="Приглашённый",
        invited_by=admin_a,
        token_hash=hashlib.sha256(invitation_token.encode()).hexdigest(),
        expires_at=timezone.now() + timedelta(days=7),
    )
    reset_token = default_token_generator.make_token(admin_a)
    uid = urlsafe_base64_encode(force_bytes(admin_a.pk))
    links = {
        feed_token: f"/calendar/{feed_token}.ics",
        invitation_token: f"/invitation/{invitation_token}/",
        reset_token: f"/password/reset/{uid}/{reset_token}/",
    }
    for token, link in links.items():
        caplog.clear()
        response = client.get(link)
        # The link works (the feed, the invitation page, the reset form behind its redirect)…
        assert response.status_code in (200, 302), (link, response.status_code)
        # …and neither log keeps its secret.
        lines = request_lines(caplog)
        assert len(lines) == 1 and "[redacted]" in lines[0]["path"], lines
        assert token not in caplog.text
        access = access_log_line(response)
        assert token not in access and "[redacted]" in access, access


def test_a_404_of_a_guessed_link_keeps_the_guess_out_of_the_log_too(client, db, caplog):
    caplog.set_level(logging.INFO)
    guess = "guessed-" + secrets.token_urlsafe(16)
    assert client.get(f"/calendar/{guess}.ics").status_code == 404
    assert guess not in caplog.text


def test_one_line_per_request_with_status_time_and_user(client_a, admin_a, caplog):
    caplog.set_level(logging.INFO)
    response = client_a.get("/contracts/")
    assert response.status_code == 200
    (line,) = request_lines(caplog)
    assert line["event"] == "request" and line["method"] == "GET" and line["path"] == "/contracts/"
    assert line["status"] == 200 and line["user_id"] == admin_a.pk and line["ms"] >= 0
    assert response["X-Request-ID"] and len(response["X-Request-ID"]) <= 64


def test_fields_are_bounded(client, db, caplog):
    caplog.set_level(logging.INFO)
    client.get("/" + "x" * 5000 + "/")
    (line,) = request_lines(caplog)
    assert len(line["path"]) <= 200


@pytest.mark.parametrize(
    ("remote", "given", "kept"),
    [
        ("10.0.0.2", "nginx-req-7f3a", True),  # through the proxy
        ("203.0.113.9", "forged-id", False),  # straight from a client
        ("10.0.0.2", "x" * 65, False),  # too long
        ("10.0.0.2", "id with spaces\n", False),  # not an id
    ],
)
def test_the_request_id_is_taken_from_trusted_proxies_only(client, db, settings, caplog, remote, given, kept):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    caplog.set_level(logging.INFO)
    response = client.get("/login/", HTTP_X_REQUEST_ID=given, REMOTE_ADDR=remote)
    (line,) = request_lines(caplog)
    assert (response["X-Request-ID"] == given) is kept
    assert any(
        r.msg.get("request_id") == response["X-Request-ID"]
        for r in caplog.records
        if isinstance(r.msg, dict) and r.name == "kabinet.request"
    )
    assert line["path"] == "/login/"
