from django.apps import AppConfig


class WebConfig(AppConfig):
    """No models: the header's context processor, the global search and the `scheduler` command."""

    name = "kabinet.web"
    label = "web"
