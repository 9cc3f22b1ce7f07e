from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kabinet.core"
    label = "core"

    def ready(self):
        from kabinet.core import (
            db,  # noqa: F401 (registers the SQLite functions)
            metrics,  # noqa: F401 (counts failed tasks)
            tasklog,
        )

        tasklog.connect()
