from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from kabinet.accounts import urls as accounts_urls
from kabinet.core.health import healthz, readyz
from kabinet.core.metrics import metrics_view
from kabinet.core.urlindex import SegmentIndex
from kabinet.onboarding import urls as onboarding_urls
from kabinet.organizations import urls as organizations_urls
from kabinet.web.search import header_search

# 403 and 400 are Django's own handlers drawing templates/403.html, 400.html; 500 draws 500.html, or
# 503.html when Redis (the task queue) is unreachable (kabinet/core/degraded.py).
handler404 = "kabinet.core.errors.page_not_found"
handler500 = "kabinet.core.degraded.server_error"

# The whole URL conf, resolved by the path's first segment (kabinet/core/urlindex.py): the same routes,
# names and namespaces, without trying every app's patterns on every request.
urlpatterns = [
    SegmentIndex(
        [
            path("healthz", healthz, name="healthz"),
            path("readyz", readyz, name="readyz"),
            path("metrics", metrics_view, name="metrics"),
            path("", RedirectView.as_view(pattern_name="contracts:dashboard", permanent=False)),
            path("admin/", admin.site.urls),
            path("api/v1/", include("kabinet.api.urls")),
            path("search/", header_search, name="search"),
            # The onboarding pages keep their names in the accounts and organizations namespaces.
            path("", include((accounts_urls.urlpatterns + onboarding_urls.accounts_urlpatterns, "accounts"))),
            path(
                "",
                include((organizations_urls.urlpatterns + onboarding_urls.organizations_urlpatterns, "organizations")),
            ),
            path("", include("kabinet.api.integration_urls")),
            path("", include("kabinet.creditors.urls")),
            path("", include("kabinet.contracts.urls")),
            path("", include("kabinet.invoices.urls")),
            path("", include("kabinet.statements.urls")),
            path("", include("kabinet.documents.urls")),
            path("", include("kabinet.signatures.urls")),
            path("", include("kabinet.appeals.urls")),
            path("", include("kabinet.notifications.urls")),
            path("", include("kabinet.support.urls")),
            path("", include("kabinet.web.urls")),
        ]
    )
]
