from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "kabinet.appeals"
    label = "appeals"
    verbose_name = _("Requests and appeals")

    def ready(self):
        from kabinet.accounts import exports  # reason: ready(): models load only now
        from kabinet.appeals import personal_data  # reason: ready(): its models are loaded only now

        exports.register(personal_data.SECTION)
