"""«Настройки» → «Интеграции» (kabinet.api.integrations)."""

from django.urls import path

from kabinet.api import integrations

app_name = "integrations"

urlpatterns = [
    path("settings/integrations/", integrations.integrations, name="list"),
    path("settings/integrations/issue/", integrations.token_issue, name="issue"),
    path("settings/integrations/<int:pk>/revoke/", integrations.token_revoke, name="revoke"),
    path("settings/integrations/<int:pk>/webhook/", integrations.webhook_set, name="webhook"),
]
