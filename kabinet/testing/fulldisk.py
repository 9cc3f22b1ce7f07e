"""A media folder that is full past a number of bytes, for `make test-prod` where a small tmpfs cannot be
mounted (no privilege to mount): `install(budget)` in the gunicorn master, before it forks its workers,
makes LocalFileStorage's writes fail with ENOSPC — after their first bytes, as a disk that fills up does —
once the folder holds `budget` bytes. Test code only: nothing in the settings turns it on.
"""

from __future__ import annotations

import errno
from pathlib import Path

from django.core.files.base import File


def install(budget: int) -> None:
    # reason: called in the gunicorn master before Django is set up; the storage module is imported then
    from kabinet.core.storage import LocalFileStorage

    original = LocalFileStorage._save

    def _save(self, name, content):
        used = sum(f.stat().st_size for f in Path(self.location).rglob("*") if f.is_file())

        class Filling(File):
            def chunks(self, chunk_size=None):
                written = used
                for chunk in content.chunks(chunk_size):
                    if written + len(chunk) > budget:
                        yield chunk[: max(0, budget - written)]
                        raise OSError(errno.ENOSPC, "No space left on device")
                    written += len(chunk)
                    yield chunk

        return original(self, name, Filling(content.file, content.name))

    LocalFileStorage._save = _save  # type: ignore[method-assign]  # reason: the fault, in this process only
