from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Exists, OuterRef

from kabinet.contracts.models import BooksDebt, Contract
from kabinet.contracts.services import ledger_recompute


class Command(BaseCommand):
    help = (
        "Rewrite the ledger's row copies (paid amounts of the lines, penalties and adjustments; the ledger's "
        "figure on the books' date of each debt by the books) of every contract, or only of the contracts "
        "with a debt by the books (--books). For data loaded around the services (COPY, fixtures)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--books", action="store_true", help="only contracts with a debt by the books")
        parser.add_argument("--chunk", type=int, default=500, help="contracts per transaction")

    def handle(self, *args, books: bool, chunk: int, **options):
        contracts = Contract.objects.all()
        if books:
            contracts = contracts.filter(Exists(BooksDebt.objects.filter(contract=OuterRef("pk"))))
        by_org: dict[int, list[int]] = {}
        for org_id, pk in contracts.order_by("organization_id", "pk").values_list("organization_id", "pk"):
            by_org.setdefault(org_id, []).append(pk)
        done = 0
        for org_id, ids in by_org.items():
            for start in range(0, len(ids), chunk):
                with transaction.atomic():
                    ledger_recompute(org_id=org_id, contract_ids=ids[start : start + chunk])
            done += len(ids)
        self.stdout.write(f"Contracts recomputed: {done}")
