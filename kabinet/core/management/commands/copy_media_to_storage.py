"""Copy the files stored on local disk before a switch to S3 into the configured storage, under the same
names, so every document, invoice and attachment the database names opens again.

    STORAGE_BACKEND=s3 … manage.py copy_media_to_storage --from /var/lib/kabinet/media

Files already in the storage are skipped, so the command may be run again after an interruption; the
local folder is left as it is (remove it once `manage.py verify_storage` says every file is present)."""

from __future__ import annotations

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from kabinet.core.storage_check import missing_files


class Command(BaseCommand):
    help = "Copies files from the old local media folder into the configured storage (after a switch to S3)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, help="the old MEDIA_ROOT folder")
        parser.add_argument("--dry-run", action="store_true", help="list what would be copied")

    def handle(self, *args, source: str, dry_run: bool, **options):
        root = Path(source).resolve()
        if not root.is_dir():
            raise CommandError(f"{root} is not a folder")
        copied = absent = 0
        for label, _pk, name, storage in missing_files():
            local = (root / name).resolve()
            if not local.is_relative_to(root) or not local.is_file():
                absent += 1
                self.stderr.write(f"not in {root}: {label} {name}")
                continue
            copied += 1
            if dry_run:
                self.stdout.write(f"would copy {name}")
                continue
            with local.open("rb") as handle:
                saved = storage.save(name, File(handle))
            if saved != name:
                raise CommandError(f"the storage renamed {name} to {saved}; stopped")
        self.stdout.write(f"{'Would copy' if dry_run else 'Copied'} {copied} file(s); {absent} not found locally.")
        if absent:
            raise CommandError(f"{absent} file(s) are neither in the storage nor in {root}")
