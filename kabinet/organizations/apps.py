from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "kabinet.organizations"
    label = "organizations"
    verbose_name = _("Organizations")

    def ready(self):
        from kabinet.organizations import header_cache  # reason: models load only once the registry is ready

        header_cache.connect()
