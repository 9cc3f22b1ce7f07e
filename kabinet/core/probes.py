"""Health and metrics probes answered before the rest of the middleware.

An orchestrator probes the app port directly — Docker's HEALTHCHECK with `127.0.0.1:8000`, Kubernetes
with the pod's IP, Prometheus with the host name in its scrape config — none of which is a host in
ALLOWED_HOSTS, and none speaks https. Answered after the host check and the SSL redirect they would be a
400 or a 301 and the process never counted healthy. So these three paths are answered here, first:
no host check, no redirect, no session, no request log line every few seconds. They say nothing about
anyone's data; `/metrics` keeps its own allow-list (METRICS_ALLOWED_IPS or METRICS_TOKEN).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from kabinet.core.health import healthz, readyz
from kabinet.core.metrics import metrics_view

PROBES: dict[str, Callable[[HttpRequest], HttpResponseBase]] = {
    "/healthz": healthz,
    "/readyz": readyz,
    "/metrics": metrics_view,
}


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        probe = PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        return probe(request)
