"""What the tests share (a top floor, imported by tests only): factories (`factories`), local servers
(`http` for a scripted HTTP peer, `services` for Redis and friends) and the URL-conf walker (`routes`).
The pytest fixtures built on them are in the root `conftest.py`."""
