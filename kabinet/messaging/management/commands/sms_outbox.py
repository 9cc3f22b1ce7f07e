from django.core.management.base import BaseCommand

from kabinet.messaging.sms import FileBackend


class Command(BaseCommand):
    help = "Print the SMS written by the file backend (SMS_BACKEND=kabinet.messaging.sms.FileBackend)."

    def add_arguments(self, parser):
        parser.add_argument("--last", type=int, default=10, help="How many of the latest messages to show.")
        parser.add_argument("--phone", help="Only messages to this phone (E.164).")

    def handle(self, *args, last, phone, **options):
        messages = FileBackend().read()
        if phone:
            messages = [m for m in messages if m["phone"] == phone]
        for message in messages[-last:]:
            self.stdout.write(f"{message['sent_at']}  {message['phone']}  {message['text']}")
        if not messages:
            self.stdout.write("The outbox is empty.")
