"""Deterministic, idempotent demo data: one creditor, three client organizations and their users.

Every row is keyed by a stable external id (or natural key), so a second run updates what is
there instead of adding to it. Schedules are placed relative to the day the demo is loaded, so
there are always past, overdue and upcoming payments.
"""

from __future__ import annotations

import calendar
import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from stdnum.ru import inn as stdnum_inn

from kabinet.accounts.models import Consent, ConsentDocument, User
from kabinet.accounts.services import consents_missing, text_sha256
from kabinet.appeals.models import (
    Appeal,
    AppealKind,
    AppealStatus,
    AppealStatusChange,
    AppealTopic,
    ReplyTemplate,
)
from kabinet.contracts.ledger import contract_ledger
from kabinet.contracts.models import (
    BooksDebt,
    BuyoutValue,
    ClosingDocument,
    Contract,
    InsurancePolicy,
    LeasedItem,
    PaymentReceived,
    Penalty,
    ScheduledPayment,
)
from kabinet.contracts.services import (
    books_debt_put,
    buyout_replace,
    ledger_recompute,
    payments_record,
    penalties_upsert,
)
from kabinet.contracts.services.closing import ClosingInput, VatPart, closing_document_put
from kabinet.core.formatting import format_date, format_money
from kabinet.core.money import vat_included, vat_rate_on
from kabinet.core.numbering import SUPPORT_SERIES, client_number
from kabinet.creditors.models import Creditor, LeasingRulesEdition, Product
from kabinet.demo.data import (
    CENT,
    CONSENT_TEXTS,
    DEMO_PASSWORD,
    DOC_TYPES,
    MEMO,
    ORGS,
    PLATE_LETTERS,
    PRODUCTS,
    REGISTRY_EXTRA,
    REPLY_TEMPLATES,
    RULES,
    SIGNATURE_AGREEMENT,
    TOPICS,
    USERS,
    VEHICLES,
    VIN_CHARS,
    OrgSpec,
    add_months,
    vin_with_check_digit,
)
from kabinet.demo.pdf import simple_pdf
from kabinet.documents.closing import closing_file_put
from kabinet.documents.closing import month_bounds as closing_month_bounds
from kabinet.documents.models import Document
from kabinet.documents.services import document_reindex
from kabinet.notifications.models import Notification
from kabinet.organizations.models import Membership, Organization, RegistryCompany
from kabinet.organizations.services.registry import registry_company_save
from kabinet.signatures.models import AgreementAcceptance, SignatureAgreement, SignatureRequest, SigningRight
from kabinet.support.models import SupportMessage, SupportThread


def _start(contract: Contract) -> date:
    """The seed gives every contract a start date (the column may be empty for imported ones)."""
    assert contract.start_date is not None
    return contract.start_date


# Contracts (by organization and index) with a line due on a payment reminder day (days from the demo's date,
# before it negative): soon, on the day and overdue (the overdue ones are among each organization's overdue contracts).
# Every default reminder day (-5, -1, 0, 1, 5, 10) has its line; the overdue ones are on overdue contracts.
REMINDER_DEMO = {"romashka": {0: 1, 1: 5, 2: -5, 3: -1, 4: 0}, "sokolov": {0: 10}}


def start_for_line_on(target: date, months_ago: int) -> date:
    """A contract start from which a monthly line falls exactly on `target`, about `months_ago` months back.

    Lines fall on the start's day of the month (clamped to a shorter month's last day), so a target on the
    29th–31st needs a start month that has that day: of two neighbouring months one always has 31 days."""
    for months in (months_ago, months_ago + 1):
        month_index = target.month - 1 - months
        year, month = target.year + month_index // 12, month_index % 12 + 1
        if target.day <= calendar.monthrange(year, month)[1]:
            return date(year, month, target.day)
    raise AssertionError("unreachable: one of two neighbouring months has 31 days")


class Seeder:
    def __init__(self, today: date | None = None):
        self.today = today or timezone.localdate()
        self.rng = random.Random(2026)
        self.counts: dict[str, int] = {}

    def run(self) -> dict[str, int]:
        with transaction.atomic():
            creditor = self.creditor()
            products = self.products(creditor)
            topics = self.topics()
            self.reply_templates()
            self.consent_documents()
            self.registry()
            orgs = {spec.key: self.organization(spec) for spec in ORGS}
            users = self.users(orgs)
            for index, spec in enumerate(ORGS):
                org = orgs[spec.key]
                contracts = self.contracts(org, spec, products, index)
                self.documents(org, contracts, products)
                if index == 0:
                    self.closing_documents(org, contracts)
                members = [u for u, keys in users if spec.key in keys]
                if index == 0:
                    self.signatures(org, creditor, contracts)
                self.appeals(org, spec, contracts, topics, members)
                self.notifications(org, contracts, members)
                self.support(org, spec, members)
            document_reindex()
        return self.counts

    def _count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def creditor(self) -> Creditor:
        creditor, _ = Creditor.objects.update_or_create(
            external_id="demo-baltlease",
            defaults=dict(
                name="ООО «Балтийский лизинг»",
                short_name="БАЛТЛИЗ",
                inn="7812345675",
                kpp="783801001",
                ogrn="1157847123455",
                legal_address="199178, г. Санкт-Петербург, 13-я линия В.О., д. 14, лит. А",
                bank_name="ПАО Сбербанк, Северо-Западный банк",
                bic="044030653",
                settlement_account="40702810755000012345",
                correspondent_account="30101810500000000653",
                phone="8 800 222 0 555",
                email="info@baltlease.example",
                website="https://www.baltlease.example",
                shop_url="https://shop.baltlease.example",
                is_default=True,
                director_name="Балтийский А. В.",
                accountant_name="Счётова Е. П.",
            ),
        )
        creditor.full_clean()
        self._count("creditors")
        Creditor.objects.filter(pk=creditor.pk).update(memo=MEMO)
        for n, (title, effective) in enumerate(RULES):
            edition = LeasingRulesEdition.objects.filter(creditor=creditor, title=title).first()
            if edition is None:
                edition = LeasingRulesEdition(
                    creditor=creditor, title=title, effective_from=effective, original_name=f"{title}.pdf"
                )
                edition.file.save(
                    f"rules-{n}.pdf", ContentFile(simple_pdf(["Leasing rules", f"Edition {n + 1}"])), save=False
                )
                edition.save()
        return creditor

    def products(self, creditor: Creditor) -> dict[str, Product]:
        products = {}
        for position, (name, description, code) in enumerate(PRODUCTS):
            products[name], _ = Product.objects.update_or_create(
                external_id=f"demo-product-{code}",
                defaults=dict(
                    creditor=creditor,
                    name=name,
                    description=description,
                    position=position,
                    kind=Product.Kind.FACTORING if code == "FK" else Product.Kind.LEASING,
                ),
            )
        self._count("products", len(products))
        return products

    def consent_documents(self) -> None:
        for kind, title, text in CONSENT_TEXTS:
            ConsentDocument.objects.get_or_create(kind=kind, version=1, defaults={"title": title, "text": text})

    def registry(self) -> None:
        """The local company registry the demo looks companies up in (registration, «Добавить организацию»)."""
        rows = [
            {
                "inn": o.inn,
                "kpp": o.kpp,
                "ogrn": o.ogrn,
                "name": o.name,
                "full_name": o.full_name,
                "director": o.director,
                "legal_address": o.address,
                "okved_code": o.okved_code,
                "okved_name": o.okved_name,
                "status": "ACTIVE",
            }
            for o in ORGS
        ]
        for n, (name, director, address, okved, status) in enumerate(REGISTRY_EXTRA):
            base = f"78{n + 1:02d}55{n + 3:02d}1"
            inn = base + stdnum_inn.calc_company_check_digit(base)
            rows.append(
                {
                    "inn": inn,
                    "kpp": f"78{n + 1:02d}01001",
                    "ogrn": "",
                    "name": name,
                    "full_name": name.replace("ООО", "Общество с ограниченной ответственностью"),
                    "director": director,
                    "legal_address": address,
                    "okved_code": okved,
                    "okved_name": "",
                    "status": status,
                }
            )
        for row in rows:
            company = RegistryCompany.objects.filter(inn=row["inn"]).first() or RegistryCompany()
            for key, value in row.items():
                setattr(company, key, value)
            registry_company_save(company=company)
            self._count("registry_companies")

    def topics(self) -> dict[str, AppealTopic]:
        topics = {}
        for position, (kind, name, fields) in enumerate(TOPICS):
            topics[name], _ = AppealTopic.objects.update_or_create(
                kind=kind, name=name, defaults=dict(position=position, extra_fields=fields)
            )
            if name == "Досрочный выкуп" and not topics[name].template:
                topics[name].template.save(
                    "early-buyout.pdf", ContentFile(simple_pdf(["Application for early buyout", "Contract No. ____"]))
                )
        return topics

    def reply_templates(self) -> None:
        for position, (title, body) in enumerate(REPLY_TEMPLATES):
            ReplyTemplate.objects.update_or_create(
                title=title, defaults=dict(body=body, position=position, is_active=True)
            )
            self._count("reply_templates")

    def organization(self, spec: OrgSpec) -> Organization:
        org, _ = Organization.objects.update_or_create(
            inn=spec.inn,
            defaults=dict(
                name=spec.name,
                full_name=spec.full_name,
                kpp=spec.kpp,
                ogrn=spec.ogrn,
                okved_code=spec.okved_code,
                okved_name=spec.okved_name,
                director=spec.director,
                legal_address=spec.address,
                status=Organization.Status.ACTIVE,
                external_id=f"demo-org-{spec.key}",
                data_as_of=timezone.now(),
            ),
        )
        org.full_clean()
        self._count("organizations")
        return org

    def users(self, orgs: dict[str, Organization]) -> list[tuple[User, set[str]]]:
        result = []
        for phone, full_name, email, staff, memberships in USERS:
            user = User.objects.filter(phone=phone).first()
            if user is None:
                user = User.objects.create_user(phone, DEMO_PASSWORD, full_name=full_name, email=email)
            user.full_name, user.email = full_name, email
            user.is_staff = user.is_superuser = staff
            user.is_active = True
            user.set_password(DEMO_PASSWORD)
            user.save()
            for key, role in memberships:
                Membership.objects.update_or_create(
                    user=user, organization=orgs[key], defaults=dict(role=role, status=Membership.Status.ACTIVE)
                )
            # The demo users have agreed to the current texts (as they would have at registration).
            for document in consents_missing(user):
                Consent.objects.create(
                    document=document,
                    kind=document.kind,
                    version=document.version,
                    text_sha256=text_sha256(document),
                    user=user,
                    phone=phone,
                    user_agent="demo",
                )
            result.append((user, {key for key, _ in memberships}))
            self._count("users")
        return result

    def plate(self) -> str:
        r = self.rng
        return (
            r.choice(PLATE_LETTERS)
            + f"{r.randint(1, 999):03d}"
            + r.choice(PLATE_LETTERS)
            + r.choice(PLATE_LETTERS)
            + r.choice(["78", "98", "178", "77", "97", "197", "47"])
        )

    def vin(self, wmi: str) -> str:
        body = "".join(self.rng.choice(VIN_CHARS) for _ in range(12))
        return vin_with_check_digit(wmi + body)

    def contracts(
        self, org: Organization, spec: OrgSpec, products: dict[str, Product], org_index: int
    ) -> list[Contract]:
        r = self.rng
        kinds = ["Автолизинг", "Коммерческий транспорт", "Спецтехника", "Факторинг"]
        contracts = []
        for n in range(spec.contracts):
            product_name = kinds[n % len(kinds)] if n % 5 != 4 else "Автолизинг"
            product = products[product_name]
            code = next(c for name, _, c in PRODUCTS if name == product_name)
            # Mostly running contracts; the last ones closed or without data.
            if n == spec.contracts - 1:
                status, months_ago = Contract.Status.CLOSED, 40 + n
            elif n == spec.contracts - 2 and spec.contracts > 6:
                status, months_ago = Contract.Status.NO_DATA, 1
            else:
                status, months_ago = Contract.Status.ACTIVE, 2 + (n * 3) % 30
            start = add_months(self.today, -months_ago).replace(day=min(28, 3 + (n * 5) % 25))
            if n == 1 and status == Contract.Status.ACTIVE:
                # A year-old contract whose next line is due in PAYMENTS_DUE_DAYS: the daily reminder has
                # something to tell on the demo's date (twelve months back keeps the day of the month).
                start = add_months(self.today + timedelta(days=settings.PAYMENTS_DUE_DAYS), -12)
            reminder_day = REMINDER_DEMO.get(spec.key, {}).get(n)
            if reminder_day is not None and status == Contract.Status.ACTIVE:
                # A line due `reminder_day` days from the demo's date (one of the creditor's default reminder
                # days): `manage.py send_payment_reminders` has a reminder of each kind to show.
                start = start_for_line_on(self.today - timedelta(days=reminder_day), months_ago)
            end = add_months(start, 36)
            price = Decimal(r.randrange(1_200_000, 18_000_000, 10_000))
            # «Сумма договора» is every payment under the contract (VAT and buyout included): the schedule's total.
            amount = self.monthly_payment(price) * 36
            number = f"{code}-{start.year % 100:02d}-{10000 + org_index * 1000 + n:05d}"
            contract, _ = Contract.objects.update_or_create(
                external_id=f"demo-{spec.key}-{n}",
                defaults=dict(
                    organization=org,
                    number=number,
                    product=product,
                    status=status,
                    amount=amount,
                    signed_on=start - timedelta(days=7),
                    start_date=start,
                    end_date=end,
                ),
            )
            contracts.append(contract)
            self._count("contracts")
            self.items(org, contract, product_name, n, spec.showcase_plate if n == 0 else None)
            overdue = status == Contract.Status.ACTIVE and n < spec.overdue_contracts
            if status != Contract.Status.NO_DATA:
                self.schedule(org, contract, price, start, overdue=overdue, closed=status == Contract.Status.CLOSED)
            else:
                ScheduledPayment.objects.filter(contract=contract).delete()
                BooksDebt.objects.filter(contract=contract).delete()
        # The company is a client of every creditor it has contracts with: what their API tokens reach.
        for creditor in {c.product.creditor for c in contracts}:
            creditor.clients.add(org)
        return contracts

    def items(
        self, org: Organization, contract: Contract, product_name: str, n: int, showcase_plate: str | None
    ) -> None:
        if product_name not in VEHICLES:
            LeasedItem.objects.filter(contract=contract).delete()
            return
        count = 2 if n % 4 == 1 else 1
        for i in range(count):
            make, model, wmi = VEHICLES[product_name][(n + i) % len(VEHICLES[product_name])]
            item, _ = LeasedItem.objects.update_or_create(
                external_id=f"{contract.external_id}-item-{i}",
                defaults=dict(
                    organization=org,
                    contract=contract,
                    make=make,
                    model=model,
                    vin=self.vin(wmi),
                    plate=(showcase_plate if i == 0 and showcase_plate else self.plate())
                    if product_name != "Спецтехника"
                    else "",
                    year=_start(contract).year,
                ),
            )
            self._count("leased_items")
            if i == 0:
                InsurancePolicy.objects.update_or_create(
                    external_id=f"{contract.external_id}-kasko",
                    defaults=dict(
                        organization=org,
                        contract=contract,
                        item=item,
                        kind="КАСКО",
                        insurer=self.rng.choice(["САО «ВСК»", "АО «АльфаСтрахование»", "СПАО «Ингосстрах»"]),
                        policy_number=f"{self.rng.randint(1000, 9999)}-{self.rng.randint(100000, 999999)}",
                        insured_object=f"{make} {model}",
                        start_date=contract.start_date,
                        end_date=add_months(_start(contract), 12),
                        status=InsurancePolicy.Status.ACTIVE
                        if contract.status == Contract.Status.ACTIVE
                        else InsurancePolicy.Status.EXPIRED,
                    ),
                )

    @staticmethod
    def monthly_payment(price: Decimal) -> Decimal:
        """One of 36 equal lease payments for equipment of this price (the lessor's margin included)."""
        return (price * Decimal("1.18") / 36).quantize(CENT, rounding=ROUND_HALF_UP)

    def schedule(
        self, org: Organization, contract: Contract, price: Decimal, start: date, *, overdue: bool, closed: bool
    ) -> None:
        """The schedule (charges), the payments the books received for it, a penalty on overdue
        contracts and the buyout value schedule: all through the ledger, as the integration API does."""
        monthly = self.monthly_payment(price)
        rows = []
        paid_numbers = []
        past_unpaid = []
        for i in range(1, 37):
            due = add_months(start, i)
            rate = vat_rate_on(due)
            paid = closed or due < self.today
            if overdue and not closed and due < self.today and due >= add_months(self.today, -2):
                paid = False
                past_unpaid.append(i)
            rows.append(
                ScheduledPayment(
                    organization=org,
                    contract=contract,
                    number=i,
                    due_date=due,
                    amount=monthly,
                    vat_rate=rate,
                    vat_amount=vat_included(monthly, rate),
                    # The books' primary document of a charge already due (the акт сверки names it).
                    document_kind="УПД" if due <= self.today else "",
                    document_number=f"{contract.number}/{i}" if due <= self.today else "",
                    document_date=due if due <= self.today else None,
                )
            )
            if paid:
                paid_numbers.append((i, due))
        # Lines are kept (invoices point at them) and updated in place, so a second run changes the
        # dates relative to today without duplicating anything.
        existing = {p.number: p for p in ScheduledPayment.objects.filter(contract=contract)}
        fields = ["due_date", "amount", "vat_rate", "vat_amount", "document_kind", "document_number", "document_date"]
        for row in rows:
            if row.number in existing:
                row.pk = existing[row.number].pk
                row.created_at = existing[row.number].created_at
        ScheduledPayment.objects.bulk_update([r for r in rows if r.pk], fields)
        ScheduledPayment.objects.bulk_create([r for r in rows if not r.pk])
        self._count("scheduled_payments", len(rows))
        Penalty.objects.filter(contract=contract).delete()
        payments = [
            {
                "external_id": f"{contract.external_id}-pay-{n}",
                "contract": contract,
                "received_on": due - timedelta(days=2),
                "amount": monthly,
                "document_number": str(1000 + n),
                "allocations": [{"number": n, "amount": monthly}],
            }
            for n, due in paid_numbers
        ]
        # Payments are upserted by their external id, so a second run sends them as stored (`unchanged`: no
        # write, no client event); only those no longer paid on this run's dates go.
        PaymentReceived.objects.filter(contract=contract).exclude(
            external_id__in=[p["external_id"] for p in payments]
        ).delete()
        if payments:
            payments_record(rows=payments)
            self._count("payments_received", len(payments))
        else:
            ledger_recompute(org_id=org.pk, contract_ids=[contract.pk])
        if past_unpaid:
            first_overdue = add_months(start, past_unpaid[0])
            days = (self.today - first_overdue).days
            penalty = (monthly * Decimal("0.001") * days).quantize(CENT, rounding=ROUND_HALF_UP)
            penalties_upsert(
                rows=[
                    {
                        "external_id": f"{contract.external_id}-penalty",
                        "contract": contract,
                        "accrued_on": self.today - timedelta(days=1),
                        "amount": penalty,
                        "basis": f"0,1 % в день за {days} дн. просрочки платежа № {past_unpaid[0]}",
                        "number": past_unpaid[0],
                    }
                ]
            )

            # The books agree with the portal on the seed's date (no «не детализировано учётом» line).
            check = contract_ledger(contract, today=self.today).overdue
            books_debt_put(contract=contract, amount=check - penalty, penalty=penalty, as_of=self.today)
            self._count("debts")
        else:
            BooksDebt.objects.filter(contract=contract).delete()
        if not closed:
            values = []
            for i in range(0, 37, 3):
                remaining_lines = 36 - i
                values.append(
                    {
                        "date": add_months(start, i),
                        "amount": (monthly * remaining_lines * Decimal("0.92")).quantize(CENT),
                    }
                )
            buyout_replace(contract=contract, values=values)
        else:
            BuyoutValue.objects.filter(contract=contract).delete()

    def documents(self, org: Organization, contracts: list[Contract], products: dict[str, Product]) -> None:
        for c_index, contract in enumerate(contracts[:6]):
            for d_index, (category, doc_type) in enumerate(DOC_TYPES[: 3 + c_index % 4]):
                external_id = f"{contract.external_id}-doc-{d_index}"
                doc_date = _start(contract) + timedelta(days=d_index * 30)
                filename = f"{doc_type} {contract.number}.pdf"
                doc = Document.objects.filter(external_id=external_id).first()
                defaults = dict(
                    organization=org,
                    contract=contract,
                    product=contract.product,
                    direction=Document.Direction.INCOMING,
                    category=category,
                    doc_type=doc_type,
                    title=f"{doc_type} № {contract.number}",
                    document_date=doc_date,
                    original_name=filename,
                    content_type="application/pdf",
                    text=f"{doc_type} по договору {contract.number} от {doc_date:%d.%m.%Y}",
                )
                if doc is None:
                    content = simple_pdf(
                        [
                            "Kabinet demo document",
                            f"Contract {contract.number}",
                            f"Date {doc_date:%d.%m.%Y}",
                            f"Type #{d_index + 1}",
                        ]
                    )
                    doc = Document(external_id=external_id, size=len(content), **defaults)
                    doc.file.save(f"{external_id}.pdf", ContentFile(content), save=False)
                    doc.save()
                else:
                    Document.objects.filter(pk=doc.pk).update(**defaults)
                self._count("documents")

    def signatures(self, org: Organization, creditor: Creditor, contracts: list[Contract]) -> None:
        """The electronic signature ready to try: the creditor's ПЭП agreement accepted by the organization's
        administrator, who has «Право подписи», and one supplementary agreement «на подпись» (the main
        page's «Документы на подпись»). A request the demo user signed or refused stays as it is."""
        admin = (
            Membership.objects.filter(organization=org, role=Membership.Role.ADMIN, status=Membership.Status.ACTIVE)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if admin is None or not contracts:
            return
        agreement, _ = SignatureAgreement.objects.get_or_create(
            creditor=creditor,
            version=1,
            defaults={"title": SIGNATURE_AGREEMENT[0], "text": SIGNATURE_AGREEMENT[1]},
        )
        AgreementAcceptance.objects.get_or_create(
            organization=org, agreement=agreement, defaults={"version": agreement.version, "accepted_by": admin.user}
        )
        SigningRight.objects.get_or_create(organization=org, membership=admin, defaults={"granted_by": admin.user})
        contract = contracts[0]
        external_id = f"{contract.external_id}-to-sign-1"
        title = f"Дополнительное соглашение № 1 к договору {contract.number}"
        document = Document.objects.filter(external_id=external_id).first()
        if document is None:
            content = simple_pdf(["Kabinet demo document", f"Supplementary agreement 1, contract {contract.number}"])
            document = Document(
                external_id=external_id,
                organization=org,
                contract=contract,
                product=contract.product,
                direction=Document.Direction.INCOMING,
                category=Document.Category.DEAL,
                doc_type="Дополнительное соглашение",
                title=title,
                document_date=self.today,
                original_name=f"{title}.pdf",
                content_type="application/pdf",
                size=len(content),
                text=f"Дополнительное соглашение № 1 к договору {contract.number}",
            )
            document.file.save(f"{external_id}.pdf", ContentFile(content), save=False)
            document.save()
        deadline = timezone.now() + timedelta(days=10)
        request = SignatureRequest.objects.filter(organization=org, document=document).first()
        if request is None:
            SignatureRequest.objects.create(
                organization=org, document=document, creditor=creditor, signers_required=1, deadline=deadline
            )
        elif request.status == SignatureRequest.Status.PENDING:
            SignatureRequest.objects.filter(pk=request.pk).update(deadline=deadline)  # never overdue in the demo
        self._count("signature_requests")

    def closing_documents(self, org: Organization, contracts: list[Contract]) -> None:
        """Three months of УПД, one per contract and month with charges, each with its PDF; the schedule
        lines name them, so the акт сверки cites them too."""
        for months_ago in (3, 2, 1):
            start, end = closing_month_bounds(add_months(self.today, -months_ago))
            for contract in contracts[:8]:
                lines = list(contract.payments.filter(due_date__gte=start, due_date__lte=end).order_by("number"))
                if not lines:
                    continue
                external_id = f"{contract.external_id}-upd-{start:%Y-%m}"
                rates: dict[Decimal, list[Decimal]] = {}
                for line in lines:
                    part = rates.setdefault(line.vat_rate, [Decimal("0"), Decimal("0")])
                    part[0] += line.amount
                    part[1] += line.vat_amount
                number = f"{start:%y%m}-{contracts.index(contract) + 1:03d}"
                existing = ClosingDocument.objects.filter(creditor=contract.product.creditor, external_id=external_id)
                document, _changed = closing_document_put(
                    instance=existing.first(),
                    external_id=external_id,
                    data=ClosingInput(
                        organization_id=org.pk,
                        creditor_id=contract.product.creditor_id,
                        kind=ClosingDocument.Kind.UPD,
                        number=number,
                        date=end,
                        amount=sum((a for a, _v in rates.values()), Decimal("0")),
                        contract=contract,
                        period_start=start,
                        period_end=end,
                        vat=[VatPart(rate, vat, amount) for rate, (amount, vat) in rates.items()],
                        lines=lines,
                    ),
                )
                if not document.pdf:
                    content = simple_pdf([f"UPD No {number} of {end:%d.%m.%Y}", f"Contract {contract.number}"])
                    closing_file_put(
                        document,
                        which="pdf",
                        uploaded=SimpleUploadedFile(f"{external_id}.pdf", content, "application/pdf"),
                    )
                self._count("closing documents")

    def appeals(self, org, spec: OrgSpec, contracts, topics, members) -> None:
        author = members[0] if members else None
        plans = [
            (AppealKind.CONTRACT, "Акт сверки", [AppealStatus.SENT]),
            (
                AppealKind.CONTRACT,
                "Досрочный выкуп",
                [AppealStatus.SENT, AppealStatus.REVIEW, AppealStatus.IN_PROGRESS],
            ),
            (
                AppealKind.INSURANCE,
                "Страховой случай",
                [AppealStatus.SENT, AppealStatus.REVIEW, AppealStatus.NEEDS_CONFIRMATION],
            ),
            (
                AppealKind.NEW_LEASING,
                "Новый лизинг",
                [AppealStatus.SENT, AppealStatus.REVIEW, AppealStatus.DEAL, AppealStatus.DONE],
            ),
            (AppealKind.CONTRACT, "Запрос закрывающих документов", [AppealStatus.SENT, AppealStatus.REJECTED]),
        ]
        base_time = timezone.now().replace(microsecond=0) - timedelta(days=40)
        for i, (kind, topic_name, statuses) in enumerate(plans):
            contract = contracts[i % len(contracts)] if kind != AppealKind.NEW_LEASING else None
            number = f"UC-{ORGS.index(spec) + 1:02d}{i + 1:05d}"
            appeal, _ = Appeal.objects.update_or_create(
                number=number,
                defaults=dict(
                    organization=org,
                    kind=kind,
                    topic=topics[topic_name],
                    contract=contract,
                    product=contract.product if contract else None,
                    full_name=author.full_name if author else "",
                    phone=str(author.phone) if author else "",
                    description=f"{topic_name}: прошу рассмотреть обращение."
                    if contract
                    else "Нужен грузовой фургон для доставки, бюджет до 4 млн ₽.",
                    status=statuses[-1],
                    status_changed_at=base_time + timedelta(days=i * 5 + len(statuses)),
                    created_by=author,
                    external_id=f"demo-appeal-{number}",
                ),
            )
            AppealStatusChange.objects.filter(appeal=appeal).delete()
            previous = ""
            for step, status in enumerate(statuses):
                change = AppealStatusChange.objects.create(
                    organization=org,
                    appeal=appeal,
                    from_status=previous,
                    to_status=status,
                    changed_by=author if step == 0 else None,
                )
                AppealStatusChange.objects.filter(pk=change.pk).update(
                    created_at=base_time + timedelta(days=i * 5 + step)
                )
                previous = status
            Appeal.objects.filter(pk=appeal.pk).update(created_at=base_time + timedelta(days=i * 5))
            self._count("appeals")

    def notifications(self, org, contracts, members) -> None:
        due = (
            ScheduledPayment.objects.filter(contract__in=contracts, is_paid=False, due_date__gte=self.today)
            .select_related("contract")
            .order_by("due_date", "contract__number")
            .first()
        )
        for user in members:
            Notification.objects.filter(organization=org, user=user).delete()
            rows = [
                Notification(
                    organization=org,
                    user=user,
                    kind=Notification.Kind.SCHEDULE_UPDATED,
                    title=f"Обновлён график платежей по договору {contracts[0].number}",
                    link=reverse("contracts:detail", args=[contracts[0].pk]),
                ),
                Notification(
                    organization=org,
                    user=user,
                    kind=Notification.Kind.KEY_RATE,
                    title="Банк России изменил ключевую ставку",
                    body="Ставка применяется к договорам с плавающей ставкой.",
                    read_at=timezone.now(),
                ),
                Notification(
                    organization=org,
                    user=user,
                    kind=Notification.Kind.NEW_DOCUMENT,
                    title=f"Новый документ по договору {contracts[1].number}",
                    link=reverse("contracts:detail", args=[contracts[1].pk]),
                ),
            ]
            if due is not None:
                rows.append(
                    Notification(
                        organization=org,
                        user=user,
                        kind=Notification.Kind.PAYMENT_DUE,
                        title=f"Платёж по договору {due.contract.number} до {format_date(due.due_date)}: "
                        f"{format_money(due.outstanding)}",
                        body="Счёт — в карточке договора, в графике платежей.",
                        link=reverse("contracts:detail", args=[due.contract_id]),
                    )
                )
            Notification.objects.bulk_create(rows)
            self._count("notifications", len(rows))

    def support(self, org, spec: OrgSpec, members) -> None:
        if not members:
            return
        author = members[0]
        # The support series of the portal (`TP-0000001`); new appeals continue after it.
        number = client_number(SUPPORT_SERIES, ORGS.index(spec) + 1)
        thread, _ = SupportThread.objects.update_or_create(
            number=number,
            defaults=dict(
                organization=org,
                topic="Не приходит СМС с кодом",
                author=author,
                status=SupportThread.Status.ANSWERED,
                last_message_at=timezone.now(),
            ),
        )
        SupportMessage.objects.filter(thread=thread).delete()
        SupportMessage.objects.bulk_create(
            [
                SupportMessage(
                    organization=org,
                    thread=thread,
                    author=author,
                    body="Добрый день! Не приходит СМС с кодом при смене телефона.",
                ),
                SupportMessage(
                    organization=org,
                    thread=thread,
                    author=None,
                    from_staff=True,
                    body="Здравствуйте! Проверили: оператор задерживал доставку. Попробуйте ещё раз.",
                ),
            ]
        )
        self._count("support_threads")


def seed_demo(today: date | None = None) -> dict[str, int]:
    return Seeder(today).run()
