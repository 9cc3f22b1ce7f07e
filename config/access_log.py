"""gunicorn's access log with the secrets of URLs (feed, reset and invitation tokens) redacted."""

from __future__ import annotations

from gunicorn.glogging import Logger

from kabinet.core.redact import redact

# The atoms that carry the URL: the request line, the path, the query string and the referer, also
# as header and environ atoms ({referer}i, {raw_uri}e…) a custom access_log_format may name.
_URL_ATOMS = (
    "r", "U", "q", "f", "{referer}i", "{raw_uri}e", "{path_info}e", "{query_string}e", "{request_uri}e",
)  # fmt: skip


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in _URL_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        return atoms
