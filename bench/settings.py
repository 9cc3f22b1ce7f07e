"""The portal's settings plus the benchmark's bare page B (`/bench/bare/`), served by the same gunicorn.

DJANGO_SETTINGS_MODULE=bench.settings gunicorn config.wsgi …
"""

from pathlib import Path

from config.settings import *  # noqa: F403
from config.settings import TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], Path(__file__).resolve().parent / "templates"]
