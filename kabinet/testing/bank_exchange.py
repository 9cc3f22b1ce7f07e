"""A strict reader of 1CClientBankExchange files (version 1.03), the way a bank client's import checks
them: the tests read the portal's payment orders back with it. Anything a bank would reject raises
`FormatError` naming the line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HEADER_REQUIRED = ("ВерсияФормата", "Кодировка", "Отправитель", "ДатаНачала", "ДатаКонца", "РасчСчет")
HEADER_KNOWN = {*HEADER_REQUIRED, "Получатель", "ДатаСоздания", "ВремяСоздания", "Документ"}
PARTY_KEYS = ("Счет", "", "ИНН", "КПП", "1", "РасчСчет", "Банк1", "Банк2", "БИК", "Корсчет")
ORDER_REQUIRED = (
    "Номер",
    "Дата",
    "Сумма",
    "ПлательщикСчет",
    "ПлательщикИНН",
    "Плательщик1",
    "ПлательщикБанк1",
    "ПлательщикБИК",
    "ПлательщикКорсчет",
    "ПолучательСчет",
    "ПолучательИНН",
    "Получатель1",
    "ПолучательБанк1",
    "ПолучательБИК",
    "ПолучательКорсчет",
    "ВидОплаты",
    "Очередность",
    "НазначениеПлатежа",
)
ORDER_KNOWN = {
    "Номер",
    "Дата",
    "Сумма",
    *(f"Плательщик{key}" for key in PARTY_KEYS),
    *(f"Получатель{key}" for key in PARTY_KEYS),
    "ВидПлатежа",
    "ВидОплаты",
    "Очередность",
    "Код",
    "НазначениеПлатежа",
    *(f"НазначениеПлатежа{n}" for n in range(1, 7)),
}
FORMATS = {
    "Дата": r"\d{2}\.\d{2}\.\d{4}",
    "ДатаНачала": r"\d{2}\.\d{2}\.\d{4}",
    "ДатаКонца": r"\d{2}\.\d{2}\.\d{4}",
    "ДатаСоздания": r"\d{2}\.\d{2}\.\d{4}",
    "ВремяСоздания": r"\d{2}:\d{2}:\d{2}",
    "Сумма": r"\d{1,15}\.\d{2}",
    "РасчСчет": r"\d{20}",
    "ПлательщикСчет": r"\d{20}",
    "ПолучательСчет": r"\d{20}",
    "ПлательщикРасчСчет": r"\d{20}",
    "ПолучательРасчСчет": r"\d{20}",
    "ПлательщикКорсчет": r"\d{20}",
    "ПолучательКорсчет": r"\d{20}",
    "ПлательщикБИК": r"\d{9}",
    "ПолучательБИК": r"\d{9}",
    "ПлательщикИНН": r"\d{10}|\d{12}",
    "ПолучательИНН": r"\d{10}|\d{12}",
    "ПлательщикКПП": r"(\d{9})?",
    "ПолучательКПП": r"(\d{9})?",
    "ВидОплаты": r"\d{2}",
    "Очередность": r"[1-5]",
    "Номер": r"\d{1,6}",
}
LIMITS = {"НазначениеПлатежа": 210, "Плательщик1": 160, "Получатель1": 160}


class FormatError(ValueError):
    pass


@dataclass
class ExchangeFile:
    header: dict[str, str] = field(default_factory=dict)
    documents: list[dict[str, str]] = field(default_factory=list)


def _check(key: str, value: str, number: int) -> None:
    pattern = FORMATS.get(key)
    if pattern and not re.fullmatch(pattern, value):
        raise FormatError(f"line {number}: {key}={value!r} is not in the format {pattern}")
    if key in LIMITS and len(value) > LIMITS[key]:
        raise FormatError(f"line {number}: {key} is longer than {LIMITS[key]} characters")


def parse(data: bytes) -> ExchangeFile:
    if b"\n" in data.replace(b"\r\n", b"") or b"\r" in data.replace(b"\r\n", b""):
        raise FormatError("lines must end with CRLF")
    text = data.decode("cp1251")  # strict: a byte windows-1251 lacks fails
    lines = text.split("\r\n")
    if lines[-1] != "":
        raise FormatError("the file must end with a line break")
    lines = lines[:-1]
    if not lines or lines[0] != "1CClientBankExchange":
        raise FormatError("line 1 must be 1CClientBankExchange")
    if lines[-1] != "КонецФайла":
        raise FormatError("the last line must be КонецФайла")
    result = ExchangeFile()
    current: dict[str, str] | None = None
    for number, line in enumerate(lines[1:-1], start=2):
        if line == "КонецДокумента":
            if current is None:
                raise FormatError(f"line {number}: КонецДокумента outside a document")
            missing = [key for key in ORDER_REQUIRED if not current.get(key)]
            if missing:
                raise FormatError(f"line {number}: the document lacks {', '.join(missing)}")
            result.documents.append(current)
            current = None
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise FormatError(f"line {number}: {line!r} is not key=value")
        if key == "СекцияДокумент":
            if current is not None:
                raise FormatError(f"line {number}: a document starts before the previous one ended")
            if value != "Платежное поручение":
                raise FormatError(f"line {number}: unknown document {value!r}")
            current = {"СекцияДокумент": value}
            continue
        known = ORDER_KNOWN if current is not None else HEADER_KNOWN
        target = current if current is not None else result.header
        if result.documents and current is None:
            raise FormatError(f"line {number}: {key} after the documents")
        if key not in known:
            raise FormatError(f"line {number}: unknown key {key!r}")
        if key in target:
            raise FormatError(f"line {number}: {key} twice")
        _check(key, value, number)
        target[key] = value
    if current is not None:
        raise FormatError("a document is not closed by КонецДокумента")
    missing = [key for key in HEADER_REQUIRED if not result.header.get(key)]
    if missing:
        raise FormatError(f"the header lacks {', '.join(missing)}")
    if result.header["ВерсияФормата"] != "1.03" or result.header["Кодировка"] != "Windows":
        raise FormatError("version 1.03 in Windows encoding expected")
    return result
