from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "kabinet.support"
    label = "support"
    verbose_name = _("Support")

    def ready(self):
        from kabinet.accounts import personal_data as accounts_personal_data  # reason: ready(): models load only now
        from kabinet.support import personal_data  # reason: ready(): its models are loaded only now

        accounts_personal_data.register(personal_data.SECTION)
