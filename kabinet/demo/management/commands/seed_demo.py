from django.core.management.base import BaseCommand

from kabinet.demo.seed import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the demo data (deterministic; running it again updates instead of duplicating)."

    def handle(self, *args, **options):
        counts = seed_demo()
        summary = ", ".join(f"{name}: {n}" for name, n in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({summary})."))
        self.stdout.write(
            f"Sign in at /login/ with +7 900 000-00-01 (administrator of two organizations), "
            f"+7 900 000-00-02 (manager) or +7 900 000-00-09 (staff, /admin/); password {DEMO_PASSWORD}."
        )
