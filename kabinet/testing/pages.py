"""The figures of the client's pages as the user reads them (tests assert on the page, not on the view's
template context): the main page's debt block and payment calendar, the contract card's figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kabinet.testing.html import parse


def amount(text: str) -> Decimal:
    """`1 800,00 ₽` (or without the sign) as a Decimal."""
    return Decimal(text.replace("\u202f", "").replace("\u00a0", "").replace("₽", "").replace(",", ".").strip())


def debt_total(response: Any) -> Decimal:
    """The main page's overdue debt (0 when the page shows no debt block)."""
    found = parse(response).find_all(data_testid="debt-total")
    return amount(found[0].text) if found else Decimal("0")


def debt_rows(response: Any) -> list[tuple[int, Decimal]]:
    """The debt block's rows (on the page or in a «Показать ещё» fragment): (contract id, amount)."""
    rows = []
    for row in parse(response).find_all("tr"):
        cells = row.find_all(data_testid="debt-row")
        if cells:
            contract = int(row.find("a").get("href").strip("/").split("/")[-1])
            rows.append((contract, amount(cells[0].find("span", class_="kb-money").text)))
    return rows


def calendar_rows(response: Any) -> list[tuple[int, Decimal]]:
    """The payment calendar's rows (page or fragment): (schedule line id from its invoice form, outstanding)."""
    rows = []
    for row in parse(response).find_all("tr"):
        forms = row.find_all("form", action_startswith="/invoices/payment/")
        if forms:
            line = int(forms[0].get("action").strip("/").split("/")[-1])
            rows.append((line, amount(row.cells()[2])))
    return rows


def calendar_more(response: Any) -> str:
    """The calendar's «Показать ещё» link (a query string), "" at the end."""
    more = parse(response).find_all("tr", id="calendar-more")
    return more[0].find("a").get("href") if more else ""


def card_figures(response: Any) -> tuple[Decimal | None, Decimal | None]:
    """The contract card's «Осталось оплатить» and «Просрочено» (None when it says «нет данных»)."""
    page = parse(response)
    remaining = page.find(data_testid="remaining").find_all("span", class_="kb-money")
    overdue = page.find(data_testid="overdue")
    overdue_text = "".join(c for c in overdue.children if isinstance(c, str)).strip()
    return (
        amount(remaining[0].text) if remaining else None,
        amount(overdue_text) if "kb-money" in (overdue.get("class") or "") else None,
    )


def schedule_numbers(response: Any) -> list[str]:
    """The numbers of the card's payment schedule lines, in order."""
    section = parse(response).find("section", aria_labelledby="schedule-title")
    return [row[0].removeprefix("№").strip() for row in section.find("table").rows() if len(row) == 7]
