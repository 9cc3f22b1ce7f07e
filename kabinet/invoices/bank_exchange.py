"""Payment orders for the client's bank: a file in the 1CClientBankExchange format, version 1.03.

The format is 1С's exchange with bank clients (v8.1c.ru/edi/edi_stnd/100/101.htm), which the Russian
banks' internet banks import as «Импорт из 1С» (Сбербанк Бизнес Онлайн, Т-Бизнес, Альфа-Бизнес, ВТБ
Бизнес, Точка, Модульбанк): text in windows-1251, lines ending CRLF, `key=value` lines; a header, then
one `СекцияДокумент=Платежное поручение` … `КонецДокумента` per order, then `КонецФайла`.

Each order pays one issued invoice: the payer is the client's chosen account, the recipient the
creditor's requisites as the invoice printed them (its frozen snapshot), the amount and «Назначение
платежа» exactly the invoice's (with «В т. ч. НДС 22 % — …» per rate), «Очередность 5», «Вид оплаты 01».
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

FORMAT_VERSION = "1.03"
ENCODING = "cp1251"
DOCUMENT = "Платежное поручение"
SENDER = "Kabinet"
PAYMENT_KIND = "01"  # «Вид оплаты»: a payment order
PRIORITY = "5"  # «Очередность»: other payments (art. 855 of the Civil Code)


@dataclass(frozen=True)
class Party:
    """A payer or a recipient as the order names it."""

    name: str
    inn: str
    kpp: str
    account: str
    bank_name: str
    bank_city: str
    bic: str
    correspondent_account: str


@dataclass(frozen=True)
class PaymentOrder:
    number: int
    day: date
    amount: Decimal
    payer: Party
    recipient: Party
    purpose: str


# What windows-1251 lacks but the portal's texts hold (money is formatted with narrow no-break spaces).
_CP1251 = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2009": " ", "\u2007": " ", "₽": "руб."})


def _text(value: str) -> str:
    """A value as windows-1251 can hold it on one line: plain spaces, no line breaks, the rouble sign in
    words («№», «—» and the quotes are in the encoding); anything else it lacks becomes «?» rather than
    failing the file."""
    return " ".join(value.translate(_CP1251).split())


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def _amount(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def _party(prefix: str, party: Party) -> list[tuple[str, str]]:
    name = _text(party.name)
    return [
        (f"{prefix}Счет", party.account),
        (prefix, f"ИНН {party.inn} {name}"),
        (f"{prefix}ИНН", party.inn),
        (f"{prefix}КПП", party.kpp),
        (f"{prefix}1", name),
        (f"{prefix}РасчСчет", party.account),
        (f"{prefix}Банк1", _text(party.bank_name)),
        (f"{prefix}Банк2", _text(party.bank_city)),
        (f"{prefix}БИК", party.bic),
        (f"{prefix}Корсчет", party.correspondent_account),
    ]


def _order(order: PaymentOrder) -> list[tuple[str, str]]:
    return [
        ("СекцияДокумент", DOCUMENT),
        ("Номер", str(order.number)),
        ("Дата", _day(order.day)),
        ("Сумма", _amount(order.amount)),
        *_party("Плательщик", order.payer),
        *_party("Получатель", order.recipient),
        ("ВидОплаты", PAYMENT_KIND),
        ("Очередность", PRIORITY),
        ("НазначениеПлатежа", _text(order.purpose)),
    ]


def exchange_file(orders: Iterable[PaymentOrder], account: str, now: datetime) -> bytes:
    """The file for the bank: every order from `account`, dated by the orders' days."""
    orders = list(orders)
    days = [order.day for order in orders] or [now.date()]
    lines: list[str] = ["1CClientBankExchange"]
    header = [
        ("ВерсияФормата", FORMAT_VERSION),
        ("Кодировка", "Windows"),
        ("Отправитель", SENDER),
        ("Получатель", ""),
        ("ДатаСоздания", _day(now.date())),
        ("ВремяСоздания", now.strftime("%H:%M:%S")),
        ("ДатаНачала", _day(min(days))),
        ("ДатаКонца", _day(max(days))),
        ("РасчСчет", account),
        ("Документ", DOCUMENT),
    ]
    lines += [f"{key}={value}" for key, value in header]
    for order in orders:
        lines += [f"{key}={value}" for key, value in _order(order)]
        lines.append("КонецДокумента")
    lines.append("КонецФайла")
    return ("\r\n".join(lines) + "\r\n").encode(ENCODING, errors="replace")
