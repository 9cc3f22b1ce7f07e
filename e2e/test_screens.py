"""Client screens at 1440 px and 375 px: error pages, history, formats, phone header, statuses, images."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import assert_images_loaded
from e2e.test_accessibility import serious_violations
from e2e.test_journeys import sign_in
from kabinet.appeals.models import Appeal, AppealTopic
from kabinet.audit.models import AuditEvent
from kabinet.contracts.services import payments_due_notify
from kabinet.notifications.models import Notification
from kabinet.organizations.models import Membership
from kabinet.organizations.services import employees
from kabinet.support import services as support_services
from kabinet.support.models import SupportThread
from kabinet.testing.factories import ContractFactory, DebtFactory, MembershipFactory, ScheduledPaymentFactory

WIDTHS = ["page", "phone_page"]


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_payment_qr_on_the_reference_page_is_a_real_image(request, viewport, transactional_db, admin_a, creditor):
    page = request.getfixturevalue(viewport)
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/reference/")
    qr = page.get_by_role("img", name="QR-код для оплаты произвольной суммы")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0
    assert_images_loaded(page)


@pytest.mark.parametrize("viewport", WIDTHS)
def test_error_pages_are_russian_and_a_404_of_my_other_organization_switches_to_it(
    request, viewport, transactional_db, admin_a, org_b, contract_b
):
    page = request.getfixturevalue(viewport)
    MembershipFactory(user=admin_a, organization=org_b, role=Membership.Role.MANAGER)
    sign_in(page, str(admin_a.phone))

    page.goto(page.base_url + "/no-such-page/")
    expect(page.get_by_role("heading", name="Страница не найдена")).to_be_visible()
    page.get_by_role("link", name="На главную").click()
    expect(page.get_by_role("heading", name="Платежный календарь")).to_be_visible()

    page.goto(page.base_url + f"/contracts/{contract_b.pk}/")
    expect(page.get_by_role("heading", name="Это относится к ООО «Бета»")).to_be_visible()
    page.get_by_role("button", name="Переключиться на ООО «Бета»").click()
    expect(page.get_by_role("heading", name="Договор BETA-0001")).to_be_visible()

    # A form whose security token has gone (signed out and in again in another tab) explains itself.
    page.goto(page.base_url + "/support/new/")
    page.context.clear_cookies(name="csrftoken")
    page.get_by_label("Тема").fill("Вопрос")
    page.get_by_label("Сообщение").fill("Текст")
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_role("heading", name="Страница устарела")).to_be_visible()
    page.get_by_role("link", name="Обновить страницу").click()
    expect(page).to_have_url(re.compile(r"/support/new/$"))


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_change_history_reads_as_russian_sentences(
    request, viewport, transactional_db, admin_a, manager_a, org_a, creditor, staff
):
    page = request.getfixturevalue(viewport)
    membership = Membership.objects.get(user=manager_a, organization=org_a)
    employees.employee_change_role(org=org_a, actor=admin_a, membership_id=membership.pk, role="admin")
    AuditEvent.objects.create(
        organization=org_a,
        actor=staff,
        actor_kind=AuditEvent.ActorKind.STAFF,
        action="appeal_status_changed",
        object_repr="UC-0004601",
        before={"status": "sent"},
        after={"status": "in_progress"},
        ip="10.1.2.3",
    )
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/settings/history/")
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("Изменена роль сотрудника")
    expect(history).to_contain_text(re.compile(r"Роль:\s*Менеджер\s*→\s*стало\s*Администратор"))
    expect(history).to_contain_text(f"Сотрудник {creditor.short_name}")
    expect(history).to_contain_text("Изменён статус заявки")
    expect(history).to_contain_text(re.compile(r"Статус:\s*Отправлена\s*→\s*стало\s*В работе"))
    expect(history).not_to_contain_text("10.1.2.3")
    for raw in ("employee_role_changed", "manager", "{'", "appeal_status_changed", "in_progress"):
        expect(history).not_to_contain_text(raw)
    page.get_by_label("Что").select_option(label="Изменён статус заявки")
    page.get_by_role("button", name="Найти").click()
    expect(history).not_to_contain_text("Изменена роль сотрудника")


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_request_form_works_on_its_own_page(
    request, viewport, transactional_db, admin_a, org_a, products, tmp_path
):
    page = request.getfixturevalue(viewport)
    AppealTopic.objects.create(
        kind="contract",
        name="Акт сверки",
        extra_fields=[{"name": "period", "label": "Период сверки", "type": "period", "required": True}],
    )
    ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00900")
    attachment = tmp_path / "Письмо.pdf"
    attachment.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    sign_in(page, str(admin_a.phone))
    # What «Попросить исправить данные» in «Настройки» and «Подать» in a new tab open.
    page.goto(page.base_url + "/requests/new/?kind=contract")
    expect(page.get_by_role("heading", name="Обращение по договору", level=1)).to_be_visible()
    page.get_by_label("Тема обращения").select_option(label="Акт сверки")
    expect(page.get_by_role("group", name="Период сверки")).to_be_visible()
    page.locator("#a-contract").select_option(label="AL-26-00900")
    page.get_by_label("с", exact=True).fill("2025-01-01")
    page.get_by_label("по", exact=True).fill("2025-12-31")
    page.get_by_label("Прикрепить документы").set_input_files(str(attachment))
    page.get_by_role("button", name="Отправить").click()
    # The description is missing: the error is next to it and the chosen file is kept (not chosen again).
    expect(page.get_by_test_id("kept-files")).to_contain_text("Письмо.pdf")
    expect(page.get_by_role("checkbox", name=re.compile("Письмо.pdf"))).to_be_checked()
    assert serious_violations(page) == []
    expect(page.get_by_label("с", exact=True)).to_have_value("2025-01-01")
    page.get_by_label("Описание").fill("Нужен акт сверки за 2025 год")
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_text(re.compile(r"Заявка UC-\d+ отправлена"))).to_be_visible()
    expect(page.get_by_text("с 01.01.2025 по 31.12.2025")).to_be_visible()
    expect(page.get_by_role("link", name="Письмо.pdf")).to_be_visible()
    appeal = Appeal.objects.get()
    assert appeal.data == {"period": "2025-01-01/2025-12-31"}


@pytest.mark.parametrize("viewport", WIDTHS)
def test_a_payment_due_notification_opens_its_contract(request, viewport, transactional_db, admin_a, org_a, products):
    page = request.getfixturevalue(viewport)
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00777")
    today = timezone.localdate()
    ScheduledPaymentFactory(contract=contract, number=1, due_date=today + timedelta(days=3), amount=Decimal("12345.60"))
    payments_due_notify(days=3, today=today)
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/notifications/")
    link = page.get_by_role("link", name=re.compile(r"Платёж по договору AL-26-00777 до \d\d\.\d\d\.\d{4}: 12\s345,60"))
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", name="Договор AL-26-00777")).to_be_visible()
    # The notification's page marked it read by the POST it sent as it loaded (a GET writes nothing).
    assert not Notification.objects.filter(user=admin_a, read_at__isnull=True).exists()


@pytest.mark.parametrize("viewport", WIDTHS)
def test_support_shows_a_closed_thread_the_whole_time_and_reopens_it(
    request, viewport, transactional_db, admin_a, org_a
):
    page = request.getfixturevalue(viewport)
    thread = support_services.thread_create(org=org_a, user=admin_a, topic="Счёт", body="Где счёт?", files=[])
    SupportThread.objects.filter(pk=thread.pk).update(status=SupportThread.Status.CLOSED)
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/support/")
    rows = page.get_by_test_id("threads")
    expect(rows).to_contain_text("Закрыто")
    expect(rows).to_contain_text(re.compile(r"TP-\d{7} Счёт"))
    time_cell = page.get_by_test_id("thread-time").first
    expect(time_cell).to_have_text(re.compile(r"^\s*\d\d\.\d\d\.\d{4} \d\d:\d\d\s*$"))
    # The whole time is on screen: nothing of it is clipped.
    assert time_cell.evaluate("td => td.scrollWidth <= td.clientWidth + 1")
    page.get_by_role("link", name=re.compile("Счёт")).click()
    expect(page.get_by_test_id("closed-note")).to_be_visible()
    page.get_by_label("Сообщение").fill("Вопрос не решён")
    page.get_by_role("button", name="Отправить и открыть снова").click()
    expect(page.get_by_test_id("thread-status")).to_have_text(re.compile("Открыто"))
    page.goto("about:blank")  # stop the chat's polling before the test database goes away


def test_on_a_phone_the_company_is_in_sight_rows_show_they_scroll_and_the_shop_is_reachable(
    phone_page, transactional_db, admin_a, org_a, products, creditor
):
    page = phone_page
    creditor.shop_url = "https://shop.example.com/"
    creditor.save()
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00321")
    sign_in(page, str(admin_a.phone))
    # The selected company without opening the menu.
    compact = page.get_by_test_id("org-compact")
    expect(compact).to_be_visible()
    expect(compact).to_contain_text("ООО «Альфа»")
    expect(compact).to_contain_text(f"ИНН {org_a.inn}")
    # The sections row is wider than the phone: a fade with an arrow says there is more.
    sections = page.locator(".kb-sections")
    expect(sections).to_have_class(re.compile(r"\bkb-more-end\b"))
    # The fade eases in (a CSS transition): wait for it to finish rather than read it mid-way.
    page.wait_for_function("() => getComputedStyle(document.querySelector('.kb-sections'), '::after').opacity === '1'")
    page.locator(".kb-sections [data-scroll-x]").evaluate("el => el.scrollTo({left: el.scrollWidth})")
    expect(sections).to_have_class(re.compile(r"\bkb-more-start\b"))
    expect(sections).not_to_have_class(re.compile(r"\bkb-more-end\b"))
    # So are the contract card's tabs.
    page.goto(page.base_url + f"/contracts/{contract.pk}/")
    tabs = page.locator(".kb-scroll-hint-tabs")
    expect(tabs).to_have_class(re.compile(r"\bkb-more-end\b"))
    # «Интернет-магазин» is in the menu.
    page.get_by_role("button", name="Меню").click()
    expect(page.get_by_role("link", name="Интернет-магазин")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


@pytest.mark.parametrize("width", [1440, 900, 375])
def test_the_online_shop_is_reachable_at_every_width(browser, live_server, width, transactional_db, admin_a, creditor):
    creditor.shop_url = "https://shop.example.com/"
    creditor.save()
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ru-RU")
    page = context.new_page()
    page.base_url = live_server.url
    sign_in(page, str(admin_a.phone))
    shop = page.get_by_role("link", name="Интернет-магазин")
    if not shop.first.is_visible():
        page.get_by_role("button", name="Меню").click()
    expect(shop.locator("visible=true")).to_have_count(1)
    context.close()


@pytest.mark.parametrize("viewport", WIDTHS)
def test_a_contract_status_is_told_in_words_not_colour_alone(
    request, viewport, transactional_db, admin_a, org_a, products
):
    page = request.getfixturevalue(viewport)
    ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00001", status="active")
    ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00002", status="closed")
    ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00003", status="no_data")
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + "/contracts/")
    statuses = page.get_by_test_id("contract-status")
    expect(statuses).to_have_count(3)
    for word in ("Договор активен", "Договор закрыт", "Нет данных"):
        expect(statuses.filter(has_text=word)).to_be_visible()
    # The word is on screen for everyone, not only for screen readers.
    for n in range(3):
        box = statuses.nth(n).bounding_box()
        assert box["width"] > 60 and box["height"] > 10


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_debt_block_expands_and_says_collapse_when_open(
    request, viewport, transactional_db, admin_a, org_a, products
):
    page = request.getfixturevalue(viewport)
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00555")
    ScheduledPaymentFactory(
        contract=contract, number=1, due_date=timezone.localdate() - timedelta(days=15), amount=Decimal("50000.00")
    )
    sign_in(page, str(admin_a.phone))
    toggle = page.get_by_test_id("debt-toggle")
    expect(toggle).to_have_text("Развернуть", use_inner_text=True)
    toggle.click()
    expect(toggle).to_have_text("Свернуть", use_inner_text=True)
    expect(page.get_by_role("link", name="AL-26-00555").first).to_be_visible()
    toggle.click()
    expect(toggle).to_have_text("Развернуть", use_inner_text=True)


def test_on_a_phone_the_contract_card_sentences_wrap_and_the_next_payment_label_sits_by_its_status(
    phone_page, transactional_db, admin_a, org_a, products
):
    page = phone_page
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00654")
    today = timezone.localdate()
    overdue = Decimal("244629.73")
    ScheduledPaymentFactory(contract=contract, number=1, due_date=today - timedelta(days=20), amount=overdue)
    ScheduledPaymentFactory(contract=contract, number=2, due_date=today + timedelta(days=10))
    DebtFactory(contract=contract, amount=overdue)
    sign_in(page, str(admin_a.phone))
    page.goto(page.base_url + f"/contracts/{contract.pk}/")
    # «По данным учёта на …: …» under «Просрочено» wraps inside its card instead of running past it.
    check = page.get_by_test_id("books-check")
    expect(check).to_be_visible()
    inside = "e => e.getBoundingClientRect().right <= e.closest('dd').getBoundingClientRect().right + 0.5"
    assert check.evaluate(inside)
    assert check.evaluate("e => getComputedStyle(e).whiteSpace") != "nowrap"
    # The schedule's two dates have two names: when it is due and when it came in.
    expect(page.locator("td[data-label='Дата поступления']").first).to_be_attached()
    # «ближайший» stays with its status badge at the value side (not split to both edges, not under the
    # label), and the badge keeps a badge's height.
    nearest = page.locator("tr.table-primary").get_by_text("ближайший", exact=True)
    badge = page.locator("tr.table-primary .badge")
    nearest_box, badge_box = nearest.bounding_box(), badge.bounding_box()
    nearest_right, badge_right = nearest_box["x"] + nearest_box["width"], badge_box["x"] + badge_box["width"]
    same_line = abs(nearest_box["y"] - badge_box["y"]) < 8 and 0 <= nearest_box["x"] - badge_right < 16
    stacked_right = nearest_box["y"] > badge_box["y"] and abs(nearest_right - badge_right) < 2
    assert same_line or stacked_right, (nearest_box, badge_box)
    assert badge_box["height"] < 30
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # In the contracts list the next payment's date and amount stay inside the card.
    page.goto(page.base_url + "/contracts/")
    cut = page.evaluate(
        "[...document.querySelectorAll('.kb-stack td')]"
        ".filter(td => td.scrollWidth > td.clientWidth + 1).map(td => td.dataset.label)"
    )
    assert cut == []
