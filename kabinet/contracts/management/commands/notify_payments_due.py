from django.core.management.base import BaseCommand

from kabinet.contracts.services import payments_due_notify


class Command(BaseCommand):
    help = "Tell organizations about payments due in N days (run once a day, e.g. from cron at 09:00)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3)

    def handle(self, *args, days, **options):
        count = payments_due_notify(days=days)
        self.stdout.write(f"Organizations told: {count}")
