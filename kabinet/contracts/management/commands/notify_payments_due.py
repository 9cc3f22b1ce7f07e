from django.core.management.base import BaseCommand

from kabinet.contracts.services import payments_due_notify
from kabinet.core.jobs import run_once_today


class Command(BaseCommand):
    help = "Tell organizations about payments due in N days (once a day; the scheduler of `serve` runs it)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3)

    def handle(self, *args, days, **options):
        count = run_once_today("payments_due", payments_due_notify, days=days)
        self.stdout.write("Already done today." if count is None else f"Organizations told: {count}")
