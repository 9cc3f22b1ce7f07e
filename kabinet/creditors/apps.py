from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditorsConfig(AppConfig):
    name = "kabinet.creditors"
    label = "creditors"
    verbose_name = _("Creditors")

    def ready(self):
        from kabinet.creditors import header_cache  # reason: ready(): its models are loaded only now

        header_cache.connect()
