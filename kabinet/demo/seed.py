"""Deterministic, idempotent demo data: one creditor, three client organizations and their users.

Every row is keyed by a stable external id (or natural key), so a second run updates what is
there instead of adding to it. Schedules are placed relative to the day the demo is loaded, so
there are always past, overdue and upcoming payments.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from stdnum.ru import inn as stdnum_inn

from kabinet.accounts.models import Consent, ConsentDocument, User
from kabinet.accounts.services import consents_missing, text_sha256
from kabinet.appeals.models import Appeal, AppealKind, AppealStatus, AppealStatusChange, AppealTopic
from kabinet.contracts.ledger import contract_ledger
from kabinet.contracts.models import (
    BooksDebt,
    BuyoutValue,
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
from kabinet.core.money import vat_included, vat_rate_on
from kabinet.creditors.models import Creditor, LeasingRulesEdition, Product
from kabinet.demo.pdf import simple_pdf
from kabinet.documents.models import Document
from kabinet.documents.services import document_reindex
from kabinet.notifications.models import Notification
from kabinet.organizations.models import Membership, Organization, RegistryCompany
from kabinet.organizations.services import registry_company_save
from kabinet.support.models import SupportMessage, SupportThread

DEMO_PASSWORD = "kabinet-demo"
CENT = Decimal("0.01")

# Models with a make-specific World Manufacturer Identifier, so VINs look like the real ones.
VEHICLES = {
    "Автолизинг": [
        ("Hyundai", "Solaris", "Z94K2"),
        ("Kia", "Rio", "Z94C2"),
        ("Toyota", "Camry", "XW7BF"),
        ("Skoda", "Octavia", "XW8AN"),
        ("Haval", "Jolion", "XZGFF"),
        ("Lada", "Vesta", "XTAGF"),
        ("Geely", "Coolray", "Y4K8V"),
        ("Chery", "Tiggo 7 Pro", "LVVDB"),
    ],
    "Коммерческий транспорт": [
        ("ГАЗ", "ГАЗель Next", "X96A2"),
        ("Ford", "Transit", "Z6FXX"),
        ("Mercedes-Benz", "Sprinter", "WDB90"),
        ("КАМАЗ", "65115", "XTC65"),
    ],
    "Спецтехника": [
        ("JCB", "3CX", "JCB3C"),
        ("Komatsu", "PC200-8", "KMTPC"),
        ("Caterpillar", "428", "CAT04"),
    ],
}
PLATE_LETTERS = "АВЕКМНОРСТУХ"
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_VALUES = dict(
    zip("ABCDEFGHJKLMNPRSTUVWXYZ", [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9])
)
_VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]


def vin_with_check_digit(vin: str) -> str:
    """Set position 9 to the ISO 3779 (North American) check digit."""
    total = sum((int(c) if c.isdigit() else _VIN_VALUES[c]) * w for c, w in zip(vin, _VIN_WEIGHTS))
    check = total % 11
    return vin[:8] + ("X" if check == 10 else str(check)) + vin[9:]


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _start(contract: Contract) -> date:
    """The seed gives every contract a start date (the column may be empty for imported ones)."""
    assert contract.start_date is not None
    return contract.start_date


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    full_name: str
    inn: str
    kpp: str
    ogrn: str
    okved_code: str
    okved_name: str
    director: str
    address: str
    contracts: int
    overdue_contracts: int
    showcase_plate: str  # the plate the README suggests searching for


ORGS = [
    OrgSpec(
        "romashka",
        "ООО «Ромашка»",
        "Общество с ограниченной ответственностью «Ромашка»",
        "7801234564",
        "780101001",
        "1027800123450",
        "49.41",
        "Деятельность автомобильного грузового транспорта",
        "Иванов Иван Петрович",
        "г. Санкт-Петербург, Невский пр-кт, д. 28, лит. А, пом. 12-Н",
        12,
        2,
        "Е001КХ78",
    ),
    OrgSpec(
        "smartfact",
        "ООО «Смартфакт»",
        "Общество с ограниченной ответственностью «Смартфакт»",
        "7709876545",
        "770301001",
        "1147746711958",
        "69.20",
        "Деятельность по оказанию услуг в области бухгалтерского учета",
        "Великосветский Валентин Витальевич",
        "г. Москва, Большой Гнездниковский пер., д. 1, стр. 2",
        7,
        0,
        "В777ОР77",
    ),
    OrgSpec(
        "sokolov",
        "ИП Соколов А. В.",
        "Индивидуальный предприниматель Соколов Андрей Викторович",
        "780412345685",
        "",
        "319784700123460",
        "43.12",
        "Подготовка строительной площадки",
        "Соколов Андрей Викторович",
        "г. Санкт-Петербург, ул. Савушкина, д. 104, кв. 18",
        6,
        1,
        "Н500МС47",
    ),
]

USERS = [
    # phone, full name, e-mail, staff, memberships (org key, role)
    (
        "+79000000001",
        "Иванов Иван Петрович",
        "ivanov@romashka.example",
        False,
        [("romashka", Membership.Role.ADMIN), ("smartfact", Membership.Role.ADMIN)],
    ),
    (
        "+79000000002",
        "Петрова Мария Сергеевна",
        "petrova@romashka.example",
        False,
        [("romashka", Membership.Role.MANAGER)],
    ),
    ("+79000000003", "Соколов Андрей Викторович", "sokolov@example.com", False, [("sokolov", Membership.Role.ADMIN)]),
    ("+79000000009", "Сотрудник БАЛТЛИЗ", "staff@baltlease.example", True, []),
]

PRODUCTS = [
    ("Автолизинг", "Легковые автомобили для бизнеса на срок от 12 до 60 месяцев.", "AL"),
    ("Коммерческий транспорт", "Грузовики, фургоны и автобусы.", "KT"),
    ("Спецтехника", "Строительная и дорожная техника.", "ST"),
    ("Факторинг", "Финансирование под уступку денежного требования.", "FK"),
]

TOPICS = [
    (
        AppealKind.CONTRACT,
        "Акт сверки",
        [{"name": "period", "label": "Период сверки", "type": "period", "required": True}],
    ),
    (
        AppealKind.CONTRACT,
        "Досрочный выкуп",
        [{"name": "date", "label": "Желаемая дата выкупа", "type": "date", "required": True}],
    ),
    (AppealKind.CONTRACT, "Изменение графика платежей", []),
    (AppealKind.CONTRACT, "Запрос закрывающих документов", []),
    (
        AppealKind.INSURANCE,
        "Страховой случай",
        [{"name": "date", "label": "Дата события", "type": "date", "required": True}],
    ),
    (AppealKind.INSURANCE, "Пролонгация полиса", []),
    (
        AppealKind.NEW_LEASING,
        "Новый лизинг",
        [{"name": "amount", "label": "Стоимость предмета", "type": "money", "required": False}],
    ),
]

DOC_TYPES = [
    (Document.Category.DEAL, "Договор лизинга"),
    (Document.Category.DEAL, "Паспорт транспортного средства"),
    (Document.Category.DEAL, "Акт приема-передачи"),
    (Document.Category.ACCOUNTING, "Универсальный передаточный документ"),
    (Document.Category.ACCOUNTING, "Акт сверки"),
    (Document.Category.ACCOUNTING, "Счёт-фактура"),
]


CONSENT_TEXTS = [
    (
        "terms",
        "Пользовательское соглашение об использовании личного кабинета",
        "1. Личный кабинет предоставляет клиентам кредитора доступ к сведениям о договорах, графиках платежей "
        "и документах.\n2. Пользователь обязуется не передавать пароль третьим лицам и сообщать о его утрате.\n"
        "3. Действия, совершённые в личном кабинете после входа по номеру телефона и паролю, считаются "
        "совершёнными пользователем.",
    ),
    (
        "personal_data",
        "Согласие на обработку персональных данных",
        "Я даю согласие кредитору на обработку моих персональных данных (ФИО, номер телефона, адрес электронной "
        "почты) в целях предоставления доступа к личному кабинету в соответствии с Федеральным законом "
        "от 27.07.2006 № 152-ФЗ «О персональных данных». Согласие действует до его отзыва.",
    ),
]

# Companies a visitor of the demo can register (one is liquidated, to see the refusal).
REGISTRY_EXTRA = [
    ("ООО «Север-Транс»", "Кузнецов Павел Андреевич", "г. Санкт-Петербург, ул. Марата, д. 10", "49.41", "ACTIVE"),
    ("ООО «Вектор»", "Смирнова Ольга Игоревна", "г. Санкт-Петербург, Лиговский пр-кт, д. 50", "46.90", "ACTIVE"),
    (
        "ООО «СтройМеханизация»",
        "Орлов Дмитрий Сергеевич",
        "Ленинградская обл., г. Гатчина, ул. Рощинская, д. 3",
        "43.12",
        "ACTIVE",
    ),
    ("ООО «Балтийская логистика»", "Фёдоров Игорь Николаевич", "г. Калининград, ул. Портовая, д. 1", "52.29", "ACTIVE"),
    ("ООО «Ромашка-Логистик»", "Петров Пётр Петрович", "г. Санкт-Петербург, ул. Садовая, д. 5", "49.41", "LIQUIDATED"),
]


MEMO = (
    "Оплачивайте лизинговые платежи до даты, указанной в графике, по реквизитам из счёта.\n\n"
    "В назначении платежа указывайте номер договора и счёта — так платёж зачтётся быстрее.\n\n"
    "При смене реквизитов вашей компании сообщите нам через «Заявки» или центр поддержки.\n\n"
    "При страховом случае сообщите страховой компании и нам в течение 3 рабочих дней."
)
RULES = [
    ("Правила лизинга, редакция 2026", date(2026, 1, 1)),
    ("Правила лизинга, редакция 2024", date(2024, 3, 1)),
]


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
            self.consent_documents()
            self.registry()
            orgs = {spec.key: self.organization(spec) for spec in ORGS}
            users = self.users(orgs)
            for index, spec in enumerate(ORGS):
                org = orgs[spec.key]
                contracts = self.contracts(org, spec, products, index)
                self.documents(org, contracts, products)
                members = [u for u, keys in users if spec.key in keys]
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
            registry_company_save(company)
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
                )
            )
            if paid:
                paid_numbers.append((i, due))
        # Lines are kept (invoices point at them) and updated in place, so a second run changes the
        # dates relative to today without duplicating anything.
        existing = {p.number: p for p in ScheduledPayment.objects.filter(contract=contract)}
        fields = ["due_date", "amount", "vat_rate", "vat_amount"]
        for row in rows:
            if row.number in existing:
                row.pk = existing[row.number].pk
                row.created_at = existing[row.number].created_at
        ScheduledPayment.objects.bulk_update([r for r in rows if r.pk], fields)
        ScheduledPayment.objects.bulk_create([r for r in rows if not r.pk])
        self._count("scheduled_payments", len(rows))
        PaymentReceived.objects.filter(contract=contract).delete()
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

            check = contract_ledger(contract).overdue
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
        for user in members:
            Notification.objects.filter(organization=org, user=user).delete()
            rows = [
                Notification(
                    organization=org,
                    user=user,
                    kind=Notification.Kind.SCHEDULE_UPDATED,
                    title=f"Обновлён график платежей по договору {contracts[0].number}",
                    link=f"/contracts/{contracts[0].pk}/",
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
                    link=f"/contracts/{contracts[1].pk}/",
                ),
                Notification(
                    organization=org,
                    user=user,
                    kind=Notification.Kind.PAYMENT_DUE,
                    title="Скоро срок оплаты лизингового платежа",
                ),
            ]
            Notification.objects.bulk_create(rows)
            self._count("notifications", len(rows))

    def support(self, org, spec: OrgSpec, members) -> None:
        if not members:
            return
        author = members[0]
        number = f"{48763934 + ORGS.index(spec)}-0146"
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
