from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "kabinet.organizations"
    label = "organizations"
    verbose_name = _("Organizations")

    def ready(self):
        from kabinet.organizations import header_cache  # reason: ready(): its models are loaded only now

        header_cache.connect()
