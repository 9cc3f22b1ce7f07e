"""`manage.py telegram_webhook --set`: tell Telegram to POST the bot's updates to this portal
(its /telegram/webhook/ address from `kabinet.core.links`, with TELEGRAM_WEBHOOK_SECRET as `secret_token`);
`--delete` goes back to polling (`manage.py telegram_poll`)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from kabinet.core.links import absolute
from kabinet.messaging.telegram import BotApi, TelegramError, enabled


class Command(BaseCommand):
    help = "Set or delete the Telegram bot's webhook."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--set", action="store_true")
        group.add_argument("--delete", action="store_true")

    def handle(self, *args, set: bool, delete: bool, **options):
        if not enabled():
            raise CommandError("TELEGRAM_BOT_TOKEN is not set.")
        api = BotApi()
        try:
            if delete:
                api.delete_webhook()
                self.stdout.write("The webhook is deleted: run `manage.py telegram_poll`.")
                return
            if not settings.TELEGRAM_WEBHOOK_SECRET:
                raise CommandError("TELEGRAM_WEBHOOK_SECRET is not set ([A-Za-z0-9_-], 1–256 characters).")
            url = absolute(reverse("notifications:telegram_webhook"))
            api.set_webhook(url, settings.TELEGRAM_WEBHOOK_SECRET)
        except TelegramError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"The webhook is set: {url}")
