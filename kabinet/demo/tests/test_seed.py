from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from stdnum.ru import inn, ogrn

from kabinet.accounts.models import User
from kabinet.appeals.models import ReplyTemplate
from kabinet.contracts.models import BooksDebt, ClosingDocument, Contract, LeasedItem, ScheduledPayment
from kabinet.core.formatting import format_date, plate_key
from kabinet.core.money import vat_included
from kabinet.creditors.models import Creditor
from kabinet.demo.seed import DEMO_PASSWORD, seed_demo
from kabinet.organizations.models import Membership, Organization
from kabinet.signatures import services as signature_services
from kabinet.signatures.models import SignatureRequest
from kabinet.testing.html import parse


def _row_counts():
    return {m.__name__: m._default_manager.count() for m in apps.get_models() if m.__module__.startswith("kabinet.")}


@pytest.mark.django_db
def test_the_demo_is_idempotent():
    seed_demo()
    first = _row_counts()
    seed_demo()
    assert _row_counts() == first
    assert first["Organization"] == 3 and first["Creditor"] == 1


@pytest.mark.django_db
def test_the_demo_users_sign_in_with_the_readme_credentials(client):
    seed_demo()
    for phone in ("+7 900 000-00-01", "+7 900 000-00-02", "+7 900 000-00-09"):
        response = client.post("/login/", {"username": phone, "password": DEMO_PASSWORD})
        assert response.status_code == 302, phone
        client.post("/logout/")
    admin_memberships = Membership.objects.filter(user__phone="+79000000001", role=Membership.Role.ADMIN)
    assert admin_memberships.count() == 2
    assert Membership.objects.get(user__phone="+79000000002").role == Membership.Role.MANAGER
    assert User.objects.get(phone="+79000000009").is_staff


@pytest.mark.django_db
def test_the_demo_identifiers_are_valid():
    seed_demo()
    for org in Organization.objects.all():
        org.full_clean()
        assert inn.is_valid(org.inn) and ogrn.is_valid(org.ogrn)
    Creditor.objects.get().full_clean()
    for item in LeasedItem.objects.all():
        assert len(item.vin) == 17 and not set("IOQ") & set(item.vin)
        if item.plate:
            assert item.plate_key == plate_key(item.plate)
            assert not set(item.plate) - set("АВЕКМНОРСТУХ0123456789")


@pytest.mark.django_db
def test_the_demo_has_past_overdue_and_upcoming_payments_with_the_right_vat():
    today = date(2026, 11, 27)
    seed_demo(today=today)
    per_org = Contract.objects.values("organization").annotate(n=Count("pk"))
    assert all(5 <= row["n"] <= 15 for row in per_org)
    assert ScheduledPayment.objects.filter(due_date__lt=today, is_paid=True).exists()
    assert ScheduledPayment.objects.filter(due_date__lt=today, is_paid=False).exists()
    assert ScheduledPayment.objects.filter(due_date__gte=today, is_paid=False).exists()
    assert not ScheduledPayment.objects.filter(due_date__lt=date(2026, 1, 1)).exclude(vat_rate=20).exists()
    assert not ScheduledPayment.objects.filter(due_date__gte=date(2026, 1, 1)).exclude(vat_rate=22).exists()
    for payment in ScheduledPayment.objects.all()[:50]:
        assert payment.vat_amount == vat_included(payment.amount, payment.vat_rate)
    with_debt = set(BooksDebt.objects.values_list("organization__inn", flat=True))
    assert "7801234564" in with_debt and "7709876545" not in with_debt


def test_vat_is_extracted_from_a_vat_inclusive_amount():
    assert vat_included(Decimal("122.00"), Decimal("22")) == Decimal("22.00")
    assert vat_included(Decimal("99562.65"), Decimal("20")) == Decimal("16593.78")


@pytest.mark.django_db
def test_the_plate_the_readme_suggests_is_found_for_the_demo_administrator(client):
    seed_demo()
    client.post("/login/", {"username": "+7 900 000-00-01", "password": DEMO_PASSWORD})
    response = client.get("/contracts/", {"q": "e001kx78"})
    rows = parse(response).find("table", data_testid="contracts-table").rows()
    assert [row[1] for row in rows] == [Contract.objects.get(items__plate="Е001КХ78").number]


@pytest.mark.django_db
def test_the_demo_loads_again_after_clients_used_it():
    from kabinet.invoices.services import payment_invoice_issue

    seed_demo(today=date(2026, 11, 27))
    org = Organization.objects.get(inn="7801234564")
    payment = ScheduledPayment.objects.for_org(org).filter(is_paid=False).first()
    assert payment is not None
    payment_invoice_issue(org=org, payment_id=payment.pk)
    seed_demo(today=date(2026, 11, 28))
    assert ScheduledPayment.objects.filter(pk=payment.pk).exists()
    assert ScheduledPayment.objects.count() == 828


@pytest.mark.django_db
def test_each_demo_contracts_amount_is_the_total_of_its_schedule():
    """«Сумма договора» is every payment under the contract, so «Осталось оплатить» never exceeds it."""
    from django.db.models import Sum

    seed_demo()
    contracts = Contract.objects.annotate(scheduled=Sum("payments__amount")).exclude(scheduled=None)
    assert contracts.count() > 10
    for contract in contracts:
        assert contract.amount == contract.scheduled, contract.number


@pytest.mark.django_db
def test_the_demo_clients_are_their_creditors_so_its_tokens_meet_them():
    """Fails on the old code: the demo never linked its organizations to the creditor."""
    from kabinet.api.models import ApiToken
    from kabinet.api.scoping import TokenScope

    seed_demo()
    creditor = Creditor.objects.get()
    with_contracts = set(Contract.objects.values_list("organization_id", flat=True))
    assert with_contracts and set(creditor.clients.values_list("pk", flat=True)) >= with_contracts
    token, _ = ApiToken.issue(name="1C демо", creditor=creditor)
    assert set(TokenScope(token).queryset(Contract).values_list("pk", flat=True)) == set(
        Contract.objects.values_list("pk", flat=True)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("today", [date(2026, 11, 27), date(2027, 1, 28)])
def test_the_daily_reminder_tells_the_demo_organizations_about_payments_due(today, settings):
    """Seeded on a date, the daily job run on that date finds due lines and tells the organizations,
    each notice naming its contract, amount and date and opening the contract's card."""
    import re

    from django.urls import resolve

    from kabinet.contracts.services import payments_due_notify
    from kabinet.notifications.models import Notification

    seed_demo(today=today)
    assert ScheduledPayment.objects.filter(due_date__lt=today, is_paid=False).exists()  # overdue too
    # The demo's own «Скоро срок оплаты» notices already name a contract, a sum and a date, with a link.
    seeded = list(Notification.objects.filter(kind=Notification.Kind.PAYMENT_DUE))
    assert seeded
    for notice in seeded:
        assert re.search(r"\d{2}\.\d{2}\.\d{4}", notice.title) and "₽" in notice.title, notice.title
        assert resolve(notice.link).url_name == "detail"
    Notification.objects.all().delete()

    told = payments_due_notify(days=settings.PAYMENTS_DUE_DAYS, today=today)

    assert told >= 1
    due_on = today + timedelta(days=settings.PAYMENTS_DUE_DAYS)
    notices = list(Notification.objects.filter(kind=Notification.Kind.PAYMENT_DUE))
    assert notices
    for notice in notices:
        match = resolve(notice.link)
        contract = Contract.objects.get(pk=match.kwargs["pk"], organization=notice.organization)
        assert contract.number in notice.title
        assert f"{due_on:%d.%m.%Y}" in notice.title and "₽" in notice.title


@pytest.mark.django_db
def test_the_demo_has_reply_templates_for_the_common_answers():
    seed_demo()
    titles = list(ReplyTemplate.objects.filter(is_active=True).values_list("title", flat=True))
    assert len(titles) >= 5
    assert {"Заявка принята в работу", "Нужны документы", "Заявка выполнена"} <= set(titles)


@pytest.mark.django_db
@pytest.mark.parametrize("later", [0, 20])
def test_the_demo_books_figures_agree_with_the_portals_breakdown(client, later):
    """The books' debt figures the demo sends equal the portal's own overdue on their date, so no row of
    the main page shows «не детализировано учётом» — on the day of the seed and weeks later (rolled forward)."""
    from kabinet.contracts.ledger import contract_ledger, org_debt

    today = date(2026, 11, 27)
    seed_demo(today=today)
    debts = list(BooksDebt.objects.select_related("contract", "organization"))
    assert debts
    for books in debts:
        state = contract_ledger(books.contract, today=today + timedelta(days=later))
        assert state.books_check is not None and state.books_check.agrees, books.contract.number
        assert state.books_figure is not None and state.books_figure.residual == 0, books.contract.number
    for org in {books.organization for books in debts}:
        summary = org_debt(org, today=today + timedelta(days=later))
        assert summary.rows and all(row.books_figure.residual == 0 for row in summary.rows if row.books_figure)
    if not later:
        client.post("/login/", {"username": "+7 900 000-00-01", "password": DEMO_PASSWORD})
        page = client.get("/dashboard/").content.decode()
        assert "не детализировано" not in page and "по данным учёта на" in page


@pytest.mark.django_db
def test_the_demo_akt_names_the_primary_documents_and_payment_orders():
    """The demo's акт сверки: charges cite their УПД, payments read «п/п № … от …»."""
    from kabinet.contracts.ledger import statement

    today = date(2026, 11, 27)
    seed_demo(today=today)
    org = Organization.objects.get(inn="7801234564")
    akt = statement(org, start=date(2026, 1, 1), end=today)
    charges = [e for e in akt.entries if e.kind == "charge"]
    payments = [e for e in akt.entries if e.kind == "payment"]
    assert charges and all(e.document.startswith("УПД № ") for e in charges)
    assert payments and all(e.document.startswith("п/п № ") and " от " in e.document for e in payments)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "today", [date(2026, 11, 27), date(2027, 1, 20), date(2027, 1, 31), date(2027, 3, 30), date(2028, 2, 29)]
)
def test_the_demo_has_a_line_on_each_kind_of_reminder_day(today, django_capture_on_commit_callbacks):
    """Seeded on a date (a month's end too), the payment reminders of that date tell of a line on every
    default reminder day: 5 and 1 days before, on the day, 1, 5 and 10 days after."""
    from kabinet.contracts.services import payment_reminders_send
    from kabinet.notifications.models import Notification

    seed_demo(today=today)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert payment_reminders_send(today=today) > 0
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds == {"payment_due", "payment_overdue"}
    titles = list(Notification.objects.values_list("title", flat=True))
    assert any("сегодня" in t for t in titles) and any("просрочен" in t for t in titles)
    for offset in (-5, -1, 0, 1, 5, 10):
        day = format_date(today - timedelta(days=offset))
        assert any(day in t for t in titles), (offset, titles)


@pytest.mark.django_db
def test_the_demo_organization_has_three_months_of_closing_documents_with_pdfs():
    seed_demo(date(2026, 12, 6))
    documents = ClosingDocument.objects.all()
    months = {(d.date.year, d.date.month) for d in documents}
    assert months == {(2026, 9), (2026, 10), (2026, 11)}
    assert len({d.organization_id for d in documents}) == 1
    assert all(d.pdf.name and d.vat_lines.exists() for d in documents)
    assert all(d.amount == sum(v.amount for v in d.vat_lines.all()) for d in documents)


@pytest.mark.django_db
def test_the_demo_administrator_has_a_document_to_sign_and_may_sign_it(client):
    seed_demo()
    seed_demo()  # a second load keeps one request, pending
    org = Organization.objects.get(inn="7801234564")
    (request,) = SignatureRequest.objects.for_org(org)
    assert request.status == SignatureRequest.Status.PENDING and request.deadline > timezone.now()
    admin = User.objects.get(phone="+79000000001")
    signature_services.may_sign_check(request, admin)  # the agreement accepted, «Право подписи» given
    client.post("/login/", {"username": "+7 900 000-00-01", "password": DEMO_PASSWORD})
    block = parse(client.get(reverse("signatures:to_sign"))).find_all(data_testid="to-sign")
    assert len(block) == 1 and request.document.title in block[0].text
