"""The demo's fixed data: the organizations, users, products, reply templates, request topics, document
types, consent texts and registry companies `seed.py` loads, and the small helpers that shape them."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kabinet.appeals.models import AppealKind
from kabinet.documents.models import Document
from kabinet.organizations.models import Membership

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

# The answers staff give most often, picked from «Шаблон ответа» on the request page.
REPLY_TEMPLATES = [
    (
        "Заявка принята в работу",
        "Здравствуйте! Ваша заявка принята в работу. Мы ответим в течение одного рабочего дня.",
    ),
    (
        "Нужны документы",
        "Здравствуйте! Чтобы продолжить, пришлите, пожалуйста, доверенность на подписанта и копию паспорта "
        "руководителя. Файлы можно приложить к этой заявке.",
    ),
    (
        "Акт сверки готов",
        "Акт сверки подготовлен и размещён в разделе «Документы». Если суммы не совпадают с вашими, "
        "ответьте на это сообщение и приложите ваш вариант акта.",
    ),
    (
        "Расчёт досрочного выкупа",
        "Расчёт суммы досрочного выкупа приложен к сообщению. Он действителен до конца текущего месяца; "
        "после оплаты мы подготовим документы о переходе права собственности.",
    ),
    (
        "Платёж получен",
        "Платёж получен и разнесён по договору. Обновлённый график платежей виден в карточке договора.",
    ),
    (
        "Заявка выполнена",
        "Заявка выполнена. Если остались вопросы, ответьте на это сообщение — заявка откроется снова.",
    ),
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

# The demo creditor's «Соглашение об использовании ПЭП» (title, text), accepted by ООО «Ромашка».
SIGNATURE_AGREEMENT = (
    "Соглашение об использовании простой электронной подписи",
    "1. Стороны признают документы, подписанные в личном кабинете простой электронной подписью "
    "(кодом из SMS на телефон подписанта), равнозначными документам на бумаге, подписанным "
    "собственноручно (ст. 6 и 9 Федерального закона № 63-ФЗ «Об электронной подписи»).\n"
    "2. Подписант определяется по учётной записи в кабинете и номеру телефона; ключ подписи — "
    "одноразовый код из SMS, который подписант обязуется хранить в тайне.\n"
    "3. Организация назначает сотрудников с правом подписи в разделе «Настройки».",
)
