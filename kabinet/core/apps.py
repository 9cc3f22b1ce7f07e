from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kabinet.core"
    label = "core"

    def ready(self):
        from kabinet.core import db  # noqa: F401 (registers the SQLite functions)
        from kabinet.core.header_cache import connect_signals

        connect_signals()
