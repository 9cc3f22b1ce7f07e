"""The portal with the keyboard alone (Tab, Enter, Space, the arrows): sign-in with a mistake, «Показать ещё»
on the main page and on the requests list, the contract card's tabs (the WAI-ARIA tabs pattern) and a
request form sent with an error. The focus follows the content: to the error, to the first new row, back
to the tab just opened; a live region says how many rows came."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kabinet.appeals.models import Appeal
from kabinet.testing.factories import PASSWORD, ContractFactory, LeasedItemFactory, ScheduledPaymentFactory

TODAY = timezone.localdate()


def tab_to(page, target, *, limit: int = 150) -> None:
    """Press Tab until `target` has the focus, as a keyboard user walks to it (never a click)."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{limit} presses of Tab never reached {target}")


def focused_row(page, table: str):
    """The index of the focused row among the table's rows (the «Показать ещё» row left out), or -1."""
    return page.evaluate(
        """(table) => Array.from(document.querySelectorAll(table + " tbody tr:not(.kb-more-row)"))
                          .indexOf(document.activeElement)""",
        table,
    )


def load_more_by_keyboard(page, table: str, more_row: str) -> None:
    rows = page.locator(f"{table} tbody tr:not(.kb-more-row)")
    before = rows.count()
    tab_to(page, page.locator(more_row).get_by_role("link", name="Показать ещё"))
    page.keyboard.press("Enter")
    expect(page.locator(f"{table} tbody tr:focus")).to_have_count(1)
    after = rows.count()
    assert after > before
    # The focus is on the first new row, not on <body>, and the next Tab goes into that row.
    assert focused_row(page, table) == before
    expect(page.locator("#kb-live-status")).to_have_text(f"Добавлено строк: {after - before}")
    page.keyboard.press("Tab")
    # Its first control (the row's tick box for the payment orders, where the list has them, else its link).
    expect(rows.nth(before).locator(":focus")).to_have_count(1)


@pytest.fixture
def world(transactional_db, admin_a, org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00700")
    LeasedItemFactory(contract=contract, make="Kia", model="Rio", vin="Z94C241BBLR700700", plate="К700КК78")
    for n in range(1, 16):
        ScheduledPaymentFactory(
            contract=contract, number=n, due_date=TODAY + timedelta(days=30 * n), amount=Decimal("50000.00")
        )
    for n in range(25):
        Appeal.objects.create(organization=org_a, number=f"K-{n:04}", kind="contract", description=f"Вопрос {n}")
    return contract


def test_a_keyboard_only_journey_signs_in_loads_more_walks_the_tabs_and_fixes_a_form(page, admin_a, world):
    # Sign-in with a wrong password: the focus goes to the error summary.
    page.goto(page.base_url + "/login/")
    tab_to(page, page.get_by_label("Номер телефона"))
    page.keyboard.type(str(admin_a.phone))
    tab_to(page, page.get_by_label("Пароль"))
    page.keyboard.type("not-the-password")
    page.keyboard.press("Enter")
    expect(page.locator("main form [role=alert]")).to_be_focused()
    tab_to(page, page.get_by_label("Пароль"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))

    # The main page: «Показать ещё» of the payment calendar.
    load_more_by_keyboard(page, "#calendar", "#calendar-more")

    # The requests list: «Показать ещё» brings the second page's rows.
    tab_to(page, page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Заявки"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/requests/$"))
    load_more_by_keyboard(page, "[data-testid=appeals-table]", "#appeals-more")

    # The contracts list, then the card.
    tab_to(page, page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Договоры"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="AL-26-00700"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/contracts/{world.pk}/$"))

    # The tabs: one stop in the Tab order, the arrows and Home/End move, Enter or Space opens.
    main, items, insurance = (page.get_by_role("tab", name=n) for n in ("Основное", "Предметы лизинга", "Страхование"))
    tab_to(page, main)
    assert page.eval_on_selector_all("[role=tab]", "tabs => tabs.map((t) => t.tabIndex)") == [0, -1, -1, -1, -1]
    page.keyboard.press("ArrowRight")
    expect(items).to_be_focused()
    expect(items).to_have_attribute("aria-selected", "false")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/contracts/{world.pk}/items/$"))
    expect(page.get_by_role("tabpanel", name="Предметы лизинга")).to_contain_text("Z94C241BBLR700700")
    expect(items).to_be_focused()
    expect(items).to_have_attribute("aria-selected", "true")
    assert page.eval_on_selector_all("[role=tab]", "tabs => tabs.map((t) => t.tabIndex)") == [-1, 0, -1, -1, -1]
    page.keyboard.press("End")
    expect(insurance).to_be_focused()
    page.keyboard.press("Home")
    expect(main).to_be_focused()
    page.keyboard.press("ArrowLeft")  # round from the first to the last
    expect(insurance).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(main).to_be_focused()
    page.keyboard.press(" ")
    expect(page).to_have_url(re.compile(rf"/contracts/{world.pk}/$"))
    # The swapped-in tab first (the old one stays focused until the swap), then its focus after the settle.
    expect(main).to_have_attribute("aria-selected", "true")
    expect(main).to_be_focused()
    # htmx done (swapped and settled: the script's refocus has run), then the key.
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    # Tab leaves the tab list for the panel: the other tabs are not stops.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('role')") != "tab"
    assert page.evaluate("() => !!document.activeElement.closest('[role=tabpanel]')")

    # A request form sent empty: the focus goes to the first field in error.
    tab_to(page, page.get_by_role("link", name="Обращение по договору"))
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    send = dialog.get_by_role("button", name="Отправить")
    expect(send).to_be_visible()
    tab_to(page, send)
    page.keyboard.press("Enter")
    first_error = dialog.locator("form [aria-invalid=true], form .is-invalid").first
    expect(first_error).to_be_visible()
    expect(first_error).to_be_focused()
