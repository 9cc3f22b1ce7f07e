"""Staff set a creditor's «Напоминания об оплате» in /admin/: a bad value is told in Russian next to the field."""

import pytest

from kabinet.creditors.models import Creditor
from kabinet.testing.html import parse

FIELDS = (
    "name",
    "short_name",
    "inn",
    "kpp",
    "ogrn",
    "legal_address",
    "bank_name",
    "bic",
    "settlement_account",
    "correspondent_account",
    "phone",
    "email",
    "website",
    "shop_url",
    "accent_color",
    "memo",
    "director_name",
    "accountant_name",
)
MANAGEMENT = {
    f"{prefix}-{key}": value
    for prefix in ("products", "rules")
    for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"), ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "1000"))
}


def _post(client, creditor: Creditor, reminder_days: str):
    data = {field: getattr(creditor, field) for field in FIELDS}
    data.update(is_default="on", reminder_days=reminder_days, **MANAGEMENT)
    return client.post(f"/admin/creditors/creditor/{creditor.pk}/change/", data)


@pytest.mark.parametrize("value", ["-5, abc", "-5, 61", "-61", "через неделю", "1.5"])
def test_a_bad_reminder_day_is_told_in_russian_next_to_the_field(client, staff, creditor, value):
    client.force_login(staff)
    response = _post(client, creditor, value)
    assert response.status_code == 200
    row = parse(response).find(class_="field-reminder_days")
    assert "Целые дни через запятую, от -60 до 60, например «-5, -1, 0, 1, 5, 10»." in row.text
    assert row.find("input", name="reminder_days").get("value") == value  # what was typed stays
    creditor.refresh_from_db()
    assert creditor.reminder_days == "-5, -1, 0, 1, 5, 10"


def test_good_reminder_days_are_kept(client, staff, creditor):
    client.force_login(staff)
    response = _post(client, creditor, "-7; -1, 0, 3, 60")
    assert response.status_code == 302
    creditor.refresh_from_db()
    assert creditor.reminder_days == "-7; -1, 0, 3, 60"
    assert creditor.reminder_offsets() == [-7, -1, 0, 3, 60]
