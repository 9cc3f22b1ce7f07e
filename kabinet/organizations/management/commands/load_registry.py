from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kabinet.organizations.services.registry import registry_import_csv


class Command(BaseCommand):
    help = "Load the local company registry from a CSV file (inn;kpp;ogrn;name;full_name;director;…)."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        result = registry_import_csv(text=Path(path).read_text(encoding="utf-8-sig"))
        if result.errors:
            raise CommandError("\n".join(result.errors))
        self.stdout.write(self.style.SUCCESS(f"Registry: {result.created} added, {result.updated} updated."))
