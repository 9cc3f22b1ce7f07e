from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "kabinet.api"
    label = "api"
    verbose_name = _("Integration API")

    def ready(self) -> None:
        # reason: ready(): the models these modules import are loaded only now
        from kabinet.api.webhooks import on_event_recorded
        from kabinet.audit.signals import event_recorded

        # The audit floor writes the event; this floor pushes it to the systems' webhooks.
        event_recorded.connect(on_event_recorded, dispatch_uid="kabinet.api.webhooks.fan_out")
