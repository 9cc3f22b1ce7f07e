from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditorsConfig(AppConfig):
    name = "kabinet.creditors"
    label = "creditors"
    verbose_name = _("Creditors")

    def ready(self):
        from kabinet.creditors import header_cache  # reason: models load only once the registry is ready

        header_cache.connect()
