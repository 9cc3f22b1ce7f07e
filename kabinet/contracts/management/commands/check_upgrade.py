"""`manage.py check_upgrade`: did the upgrade from a release that kept paid amounts on the lines keep them?

Read-only. Reports (and exits with 1 when it finds any):
- the carry-over migration not applied yet;
- lines whose paid amount no payment of the ledger explains (the copies of the previous release, left
  behind when the carry-over was faked or the data was loaded around the services);
- contracts of the previous release that a ledger release recomputed before their paid amounts were
  carried over (a payment, penalty or adjustment written through it, or its figure beside the debt
  by the books that disagrees with the books): their paid amounts are no longer in the database and
  nothing guesses them; restore them from the books (`POST /api/v1/payments/`).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Exists, OuterRef, Q, Sum

from kabinet.contracts import ledger
from kabinet.contracts.models import Adjustment, BooksDebt, Contract, PaymentReceived, Penalty, ScheduledPayment
from kabinet.core.formatting import format_money

CARRY_OVER = "0007_payments_from_paid_amounts"
CARRIED_PREFIX = "upgrade-line-"


class Command(BaseCommand):
    help = (
        "Check that the paid amounts of the previous releases (kept on the schedule lines) were carried into "
        "the ledger; list the contracts a ledger release recomputed before that (their history is lost)."
    )

    def handle(self, *args, **options):
        recorded = MigrationRecorder(connection).migration_qs.filter(
            app="contracts", name__in=["0002_ledger", CARRY_OVER]
        )
        applied = dict(recorded.values_list("name", "applied"))
        problems = 0
        if CARRY_OVER not in applied:
            self.stdout.write(f"The carry-over migration contracts.{CARRY_OVER} is not applied: run migrate.")
            raise CommandError("upgrade check failed")
        problems += self._not_carried()
        problems += self._recomputed_before(applied.get("0002_ledger"), applied[CARRY_OVER])
        if problems:
            raise CommandError(f"upgrade check failed: {problems} contracts to look at")
        self.stdout.write("Upgrade check: every paid amount is in the ledger.")

    def _not_carried(self) -> int:
        contracts = (
            Contract.objects.filter(
                Exists(ScheduledPayment.objects.filter(contract=OuterRef("pk"), paid_amount__gt=0)),
                ~Exists(PaymentReceived.objects.filter(contract=OuterRef("pk"))),
                ~Exists(Adjustment.objects.filter(contract=OuterRef("pk"), amount__lt=0)),
            )
            .annotate(paid=Sum("payments__paid_amount"))
            .order_by("organization_id", "number")
        )
        found = 0
        for contract in contracts:
            found += 1
            self.stdout.write(
                f"NOT CARRIED  {_name(contract)} (organization {contract.organization_id}): its lines show "
                f"{format_money(contract.paid)} paid that no payment of the ledger explains; the next ledger "
                "write on it would erase that."
            )
        return found

    def _recomputed_before(self, ledger_at, carried_at) -> int:
        if ledger_at is None:
            return 0
        written = Q(Exists(BooksDebt.objects.filter(contract=OuterRef("pk"), ledger_amount__isnull=False)))
        for model in (PaymentReceived, Penalty, Adjustment):
            written |= Q(Exists(model.objects.filter(contract=OuterRef("pk"), created_at__lt=carried_at)))
        contracts = (
            Contract.objects.filter(
                Exists(ScheduledPayment.objects.filter(contract=OuterRef("pk"), created_at__lt=ledger_at)),
                ~Exists(
                    PaymentReceived.objects.filter(contract=OuterRef("pk"), external_id__startswith=CARRIED_PREFIX)
                ),
            )
            .filter(written)
            .select_related("organization")
            .order_by("organization_id", "number")
        )
        found = 0
        for contract in contracts:
            state = ledger.contract_ledger(contract)
            check = state.books_check
            if check is not None and check.agrees and not _written_before(contract, carried_at):
                continue  # the books and the ledger agree: nothing was lost
            found += 1
            old_unpaid = [x for x in state.lines if x.outstanding > 0 and x.due_date < ledger_at.date()]
            books_note = (
                f"; the books say {format_money(check.books_total)} overdue on {check.as_of:%d.%m.%Y}, "
                f"the ledger {format_money(check.ledger_total)}"
                if check is not None
                else ""
            )
            self.stdout.write(
                f"RECOMPUTED   {_name(contract)} ({contract.organization}): recomputed by a ledger release "
                f"before its paid amounts were carried over; {len(old_unpaid)} lines due before the upgrade "
                f"show {format_money(sum((x.outstanding for x in old_unpaid), ledger.ZERO))} unpaid{books_note}. "
                "Restore its payments from the books."
            )
        return found


def _written_before(contract: Contract, carried_at) -> bool:
    return any(
        model.objects.filter(contract=contract, created_at__lt=carried_at).exists()
        for model in (PaymentReceived, Penalty, Adjustment)
    )


def _name(contract: Contract) -> str:
    return f"{contract.number} [{contract.external_id}]" if contract.external_id else contract.number
