"""The portal's settings plus the benchmark's bare page B (`/bench/bare/`), served by the same gunicorn.

DJANGO_SETTINGS_MODULE=bench.settings gunicorn config.wsgi …
"""

from pathlib import Path

from config.settings import *  # noqa: F403
from config.settings import TEMPLATES

ROOT_URLCONF = "bench.urls"
# Page B's template is a Django template (the floor is bare Django): added to that engine's folders.
_django = next(engine for engine in TEMPLATES if engine["NAME"] == "django")
_django["DIRS"] = [*_django["DIRS"], Path(__file__).resolve().parent / "templates"]
