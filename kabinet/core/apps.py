from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kabinet.core"
    label = "core"
    verbose_name = _("System")

    def ready(self):
        # reason: ready(): importing these connects their signal handlers once the registry is loaded
        from kabinet.core import (
            checks,  # noqa: F401 (registers the deployment checks)
            db,  # noqa: F401 (registers the SQLite functions)
            metrics,  # noqa: F401 (counts failed tasks)
            storage_limit,  # noqa: F401 (gives a request's storage slot back when it ends)
            tasklog,
        )

        tasklog.connect()
        russify_third_party_apps()


# Third-party apps name themselves in English; the back office speaks Russian. Only names used for
# display are changed here (not fields or choices, which would ask for a migration of that app);
# the columns are in kabinet.core.admin.TaskResultAdmin.


def russify_third_party_apps() -> None:
    if not apps.is_installed("django_tasks_db"):
        return
    config = apps.get_app_config("django_tasks_database")
    config.verbose_name = _("Background tasks")
    model = config.get_model("DBTaskResult")
    model._meta.verbose_name = _("background task")
    model._meta.verbose_name_plural = _("background tasks")
