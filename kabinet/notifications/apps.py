from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "kabinet.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from kabinet.notifications import header_cache  # reason: ready(): its models are loaded only now

        header_cache.connect()
