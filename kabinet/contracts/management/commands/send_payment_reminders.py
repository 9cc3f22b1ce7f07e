from datetime import date

from django.core.management.base import BaseCommand

from kabinet.contracts.services import payment_reminders_send


class Command(BaseCommand):
    help = (
        "Send the day's payment reminders on each creditor's days (the scheduler of `serve` runs it daily); "
        "a repeat sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, default=None, help="the day, YYYY-MM-DD (today)")

    def handle(self, *args, date=None, **options):
        count = payment_reminders_send(today=date)
        self.stdout.write(f"Reminders sent: {count}")
