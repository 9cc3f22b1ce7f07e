"""`manage.py telegram_poll`: the bot's updates by long polling (getUpdates with an offset), for a portal that
Telegram cannot reach by the webhook. Run one of the two, never both: getUpdates is refused while a webhook is set
(`manage.py telegram_webhook --delete` removes it)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from kabinet.messaging.telegram import BotApi, TelegramError, enabled
from kabinet.notifications.telegram import telegram_update_handle


class Command(BaseCommand):
    help = "Receive the Telegram bot's updates by long polling (instead of the webhook)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=int, default=30, help="Seconds one getUpdates waits for news.")
        parser.add_argument("--once", action="store_true", help="One getUpdates, then stop.")

    def handle(self, *args, timeout: int, once: bool, **options):
        if not enabled():
            raise CommandError("TELEGRAM_BOT_TOKEN is not set: there is no bot to poll.")
        api = BotApi()
        offset: int | None = None
        while True:
            try:
                updates = api.get_updates(offset, timeout)
            except TelegramError as exc:
                if exc.code == 409:
                    raise CommandError(f"{exc} (a webhook is set: `manage.py telegram_webhook --delete`)") from exc
                if once:
                    raise CommandError(str(exc)) from exc
                self.stderr.write(f"getUpdates failed: {exc}")
                time.sleep(exc.retry_after or 5)
                continue
            for update in updates:
                outcome = telegram_update_handle(update)
                offset = int(update["update_id"]) + 1
                self.stdout.write(f"update {update['update_id']}: {outcome}")
            if once:
                if offset is not None:
                    api.get_updates(offset, 0)  # confirm what was handled
                return
