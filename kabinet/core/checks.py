"""System checks of our own: what `manage.py check --deploy` should say beyond Django's."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def development_secret_key(app_configs, **kwargs) -> list[Warning]:
    """The public development key is accepted on loopback (so `make run` needs no set-up), but a deployment
    check must still say it is there: anyone can sign sessions and reset links with it."""
    if settings.DEVELOPMENT_SECRET_KEY in settings.SECRET_KEY:
        return [
            Warning(
                "SECRET_KEY is the public development key.",
                hint="Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(64))'.",
                id="kabinet.W001",
            )
        ]
    return []
