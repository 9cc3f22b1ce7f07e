"""Probes on the app port: Docker's HEALTHCHECK, a Kubernetes probe and Prometheus use the process's own
address as Host and plain http. They get a 200 (no 400 DisallowedHost, no 301 to https) while every other
path keeps the host check and the redirect; /metrics keeps its allow-list."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def production_like(settings, db):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["portal.example.ru"]
    settings.SECURE_SSL_REDIRECT = True
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/24"]
    settings.METRICS_TOKEN = ""
    return Client()


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "10.0.0.7:8000", "app1:8000"])
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_probes_answer_200_to_the_app_ports_own_host_over_http(production_like, host, path):
    response = production_like.get(path, HTTP_HOST=host)
    assert response.status_code == 200, response.content
    assert response.json()["status"] in {"ok", "degraded"}


def test_metrics_answer_prometheus_on_the_app_port_and_refuse_an_outside_address(production_like):
    inside = production_like.get("/metrics", HTTP_HOST="10.0.0.7:8000", REMOTE_ADDR="10.0.0.3")
    assert inside.status_code == 200 and b"kabinet_db_queries_per_request" in inside.content
    outside = production_like.get("/metrics", HTTP_HOST="10.0.0.7:8000", REMOTE_ADDR="203.0.113.9")
    assert outside.status_code == 403


def test_other_paths_keep_the_host_check_and_the_ssl_redirect(production_like):
    assert production_like.get("/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400
    redirected = production_like.get("/login/", HTTP_HOST="portal.example.ru")
    assert redirected.status_code == 301 and redirected["Location"].startswith("https://portal.example.ru/")
