from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kabinet.accounts"
    label = "accounts"
    verbose_name = _("Users")

    def ready(self) -> None:
        from kabinet.accounts import user_sessions  # noqa: F401  # reason: connects the sign-in/out receivers once the models are loaded
