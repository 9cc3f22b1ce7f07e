from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "kabinet.support"
    label = "support"
    verbose_name = _("Support")

    def ready(self):
        from kabinet.accounts import exports  # reason: ready(): models load only now
        from kabinet.support import personal_data  # reason: ready(): its models are loaded only now

        exports.register(personal_data.SECTION)
