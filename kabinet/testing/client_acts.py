"""The client's own акт сверки and 1С account card, as «Бухгалтерия предприятия 3.0» writes them to XLSX
(and a plain CSV), for the tests and the browser journeys of the two-sided comparison.

The layouts follow БП 3.0's printed forms saved as Excel: «Акт сверки взаимных расчетов» with a title,
the parties, «По данным …» over two halves of «Дата | Документ | Дебет | Кредит», «Сальдо начальное»,
the entries, «Обороты за период», «Сальдо конечное» and the conclusion; «Карточка счета 76.09» with
«Период | Документ | Аналитика Дт | Аналитика Кт | Дебет | | Кредит | | Текущее сальдо» over «Счет |
Сумма» and «Сальдо на начало» / «Обороты за период и сальдо на конец».

`mirrored(entries)` turns the books' entries (date, document, debit, credit) into the client's rows the
way its 1С holds them: a charge (the books' debit) is the client's credit, a payment its debit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kabinet.contracts import ledger
from kabinet.contracts.services import payments_record
from kabinet.core.xlsx import Cell, Spreadsheet
from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory

ZERO = Decimal("0.00")


@dataclass
class ClientRow:
    day: date
    document: str
    debit: Decimal  # the client's debit (its payment)
    credit: Decimal  # the client's credit (a charge it accepted)


def _number(document: str) -> str:
    found = re.search(r"№\s*(\S+)", document)
    return found.group(1) if found else ""


def mirrored(entries) -> list[ClientRow]:
    """The client's rows for the books' entries (ledger StatementEntry or anything with date, document,
    debit, credit), written the way БП 3.0 names the documents."""
    rows = []
    for e in entries:
        number, day = _number(e.document), f"{e.date:%d.%m.%Y}"
        if e.debit:
            text = (
                f"Поступление (акт, накладная, УПД) ({number} от {day})"
                if number
                else "Поступление (акт, накладная, УПД)"
            )
            rows.append(ClientRow(e.date, text, ZERO, e.debit))
        if e.credit:
            text = f"Списание с расчетного счета ({number} от {day})" if number else "Списание с расчетного счета"
            rows.append(ClientRow(e.date, text, e.credit, ZERO))
    return rows


def _money(value: Decimal) -> Cell | None:
    return Cell(value, "money") if value else None


def _day(value: date) -> Cell:
    return Cell(value, "date")


def act_xlsx(rows: list[ClientRow], *, client: str, creditor: str, start: date, end: date, opening: Decimal) -> bytes:
    """«Акт сверки взаимных расчетов» of БП 3.0 saved as XLSX: the client's half filled, the other blank.
    `opening` is in the client's terms (its credit balance — what it owes — is positive)."""
    book = Spreadsheet()
    sheet = book.sheet("TDSheet")
    period = f"{start:%d.%m.%Y} - {end:%d.%m.%Y}"
    sheet.row("Акт сверки")
    sheet.row(f"взаимных расчетов за период: {period}")
    sheet.row(f"между {client}")
    sheet.row(f"и {creditor}")
    sheet.row()
    sheet.row(
        f"Мы, нижеподписавшиеся, {client}, с одной стороны, и {creditor}, с другой стороны, составили "
        "настоящий акт сверки в том, что состояние взаимных расчетов по данным учета следующее:"
    )
    sheet.row()
    sheet.row(f"По данным {client}, руб.", None, None, None, f"По данным {creditor}, руб.")
    sheet.row("Дата", "Документ", "Дебет", "Кредит", "Дата", "Документ", "Дебет", "Кредит")
    sheet.row("Сальдо начальное", None, _money(max(-opening, ZERO)), _money(max(opening, ZERO)))
    for row in rows:
        sheet.row(_day(row.day), row.document, _money(row.debit), _money(row.credit))
    debit = sum((r.debit for r in rows), ZERO)
    credit = sum((r.credit for r in rows), ZERO)
    sheet.row("Обороты за период", None, _money(debit), _money(credit))
    closing = opening + credit - debit
    sheet.row("Сальдо конечное", None, _money(max(-closing, ZERO)), _money(max(closing, ZERO)))
    sheet.row()
    sheet.row(f"По данным {client} на {end:%d.%m.%Y} задолженность в пользу {creditor} {closing:.2f} руб.")
    return book.content()


def card_xlsx(rows: list[ClientRow], *, account: str, start: date, end: date, opening: Decimal) -> bytes:
    """«Карточка счета 76.09» (or 60.01) of БП 3.0 saved as XLSX: two header rows, «Дебет» and «Кредит»
    each over «Счет | Сумма»; the balances in «Текущее сальдо» (Д/К and the amount)."""
    book = Spreadsheet()
    sheet = book.sheet("TDSheet")
    sheet.row(f"Карточка счета {account} за {start:%d.%m.%Y} - {end:%d.%m.%Y}")
    sheet.row("Выводимые данные: БУ (данные бухгалтерского учета)")
    sheet.row()
    sheet.row("Период", "Документ", "Аналитика Дт", "Аналитика Кт", "Дебет", None, "Кредит", None, "Текущее сальдо")
    sheet.row(None, None, None, None, "Счет", "Сумма", "Счет", "Сумма", None, None)
    side = "К" if opening >= 0 else "Д"
    sheet.row("Сальдо на начало", None, None, None, None, None, None, None, side, _money(abs(opening)))
    balance = opening
    for row in rows:
        balance += row.credit - row.debit
        sheet.row(
            _day(row.day),
            row.document + "\nООО «Альфа»",
            "Договор лизинга",
            "Расчеты с лизингодателем",
            account if row.debit else None,
            _money(row.debit),
            account if row.credit else None,
            _money(row.credit),
            "К" if balance >= 0 else "Д",
            _money(abs(balance)),
        )
    debit = sum((r.debit for r in rows), ZERO)
    credit = sum((r.credit for r in rows), ZERO)
    side = "К" if balance >= 0 else "Д"
    sheet.row(
        "Обороты за период и сальдо на конец",
        None,
        None,
        None,
        None,
        _money(debit),
        None,
        _money(credit),
        side,
        _money(abs(balance)),
    )
    return book.content()


def sheet_xlsx(rows: list[list]) -> bytes:
    """Any rows as a one-sheet workbook (for the tests' odd files)."""
    book = Spreadsheet()
    sheet = book.sheet("Sheet")
    for row in rows:
        sheet.row(*row)
    return book.content()


def csv_bytes(rows: list[ClientRow], *, encoding: str = "cp1251", header: bool = True) -> bytes:
    """A CSV of date, document, debit, credit (semicolons, decimal commas), as a spreadsheet saves it."""
    lines = ["Дата;Документ;Дебет;Кредит"] if header else []
    for row in rows:
        debit = f"{row.debit:.2f}".replace(".", ",") if row.debit else ""
        credit = f"{row.credit:.2f}".replace(".", ",") if row.credit else ""
        lines.append(f'{row.day:%d.%m.%Y};"{row.document}";{debit};{credit}')
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def leasing_books(org, product, year: int, number: str = "AL-26-00042"):
    """Six months of a leasing contract in the books: a charge of 122 000,00 with its УПД (101…106) on
    the 5th of each month, a payment with its order (201…205) on the 10th of January to May."""
    contract = ContractFactory(organization=org, product=product, number=number, external_id=f"C-{number}")
    for month in range(1, 7):
        ScheduledPaymentFactory(
            contract=contract,
            number=month,
            due_date=date(year, month, 5),
            amount=Decimal("122000.00"),
            document_number=str(100 + month),
            document_date=date(year, month, 5),
        )
    for month in range(1, 6):
        payments_record(
            rows=[
                {
                    "external_id": f"P-{number}-{month}",
                    "contract": contract,
                    "received_on": date(year, month, 10),
                    "amount": Decimal("122000.00"),
                    "document_number": str(200 + month),
                    "allocations": [],
                }
            ]
        )
    return contract


def planted_rows(org, contract, year: int) -> list[ClientRow]:
    """The client's rows for `leasing_books` over January–June: the books mirrored, with three planted
    differences — a payment only the client has (order 777 of 20.06, 5 000,00), the June charge it never
    recorded, and the March charge with 121 000,00 instead of 122 000,00."""
    entries = ledger.statement(org, start=date(year, 1, 1), end=date(year, 6, 30), contract=contract).entries
    rows = mirrored(e for e in entries if not (e.kind == "charge" and e.date == date(year, 6, 5)))
    for row in rows:
        if row.day == date(year, 3, 5) and row.credit:
            row.credit = Decimal("121000.00")
    extra = ClientRow(date(year, 6, 20), f"Списание с расчетного счета (777 от 20.06.{year})", Decimal("5000.00"), ZERO)
    return sorted([*rows, extra], key=lambda r: r.day)
