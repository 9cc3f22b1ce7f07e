"""The demo installation: `manage.py seed_demo` and the data it loads (a top floor: it imports every app)."""
