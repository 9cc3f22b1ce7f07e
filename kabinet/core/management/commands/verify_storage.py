"""List every document, invoice, attachment and other stored file the database names but the storage
lacks; exit 1 when there is any (for a restore check or a cron job)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kabinet.core.storage_check import file_fields, missing_files


class Command(BaseCommand):
    help = "Lists stored files the database names but the storage (local media or the bucket) lacks."

    def handle(self, *args, **options):
        missing = 0
        for label, pk, name, _storage in missing_files():
            missing += 1
            self.stdout.write(f"missing {label} pk={pk} {name}")
        checked = ", ".join(sorted({model._meta.label for model, _ in file_fields()}))
        if missing:
            raise CommandError(f"{missing} stored file(s) missing (checked {checked})")
        self.stdout.write(f"All stored files are present (checked {checked}).")
