"""The organization card's bank accounts: add, change, remove, one default, errors next to the fields."""

import pytest

from kabinet.audit.models import AuditEvent
from kabinet.organizations.models import SettlementAccount
from kabinet.testing.html import parse

BIC, CORRESPONDENT = "044525225", "30101810400000000225"
ACCOUNT, OTHER = "40702810238000001234", "40702810638000005678"


def _post(client, url, **fields):
    data = {
        "bank_name": "ПАО Сбербанк",
        "bank_city": "г. Москва",
        "bic": BIC,
        "account": ACCOUNT,
        "correspondent_account": CORRESPONDENT,
        **fields,
    }
    return client.post(url, {k: v for k, v in data.items() if v is not None})


def test_accounts_are_added_the_first_is_the_default_and_a_new_default_takes_over(client_a, org_a):
    assert _post(client_a, "/settings/accounts/add/").status_code == 302
    assert _post(client_a, "/settings/accounts/add/", account=OTHER, is_default="on").status_code == 302
    accounts = {a.account: a.is_default for a in SettlementAccount.objects.filter(organization=org_a)}
    assert accounts == {ACCOUNT: False, OTHER: True}
    page = parse(client_a.get("/settings/"))
    rows = page.find_all(data_testid="bank-account")
    assert [r.cells()[0] for r in rows] == [f"{OTHER} По умолчанию", ACCOUNT]
    assert AuditEvent.objects.filter(organization=org_a, action="settlement_account_added").count() == 2


def test_a_wrong_key_is_told_in_russian_next_to_the_field_and_nothing_is_saved(client_a, org_a):
    response = _post(client_a, "/settings/accounts/add/", account="40702810338000001234")
    assert response.status_code == 400
    page = parse(response)
    form = page.find(data_testid="bank-account-add")
    assert "open" in form.attrs
    errors = " ".join(form.texts(class_="invalid-feedback")) or form.text
    assert "Контрольный ключ счёта не сходится с БИК." in errors
    assert not SettlementAccount.objects.exists()


def test_the_same_account_twice_is_refused(client_a, org_a):
    _post(client_a, "/settings/accounts/add/")
    response = _post(client_a, "/settings/accounts/add/")
    assert response.status_code == 400
    assert "Этот счёт уже есть в карточке организации." in response.content.decode()


def test_change_and_remove_keep_one_default(client_a, org_a):
    _post(client_a, "/settings/accounts/add/")
    _post(client_a, "/settings/accounts/add/", account=OTHER)
    first = SettlementAccount.objects.get(account=ACCOUNT)
    second = SettlementAccount.objects.get(account=OTHER)
    assert first.is_default and not second.is_default
    response = _post(client_a, f"/settings/accounts/{second.pk}/", account=OTHER, bank_city="г. Тверь", is_default="on")
    assert response.status_code == 302
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.is_default and second.bank_city == "г. Тверь" and not first.is_default
    event = AuditEvent.objects.get(action="settlement_account_changed")
    assert event.before["bank_city"] == "г. Москва" and event.after["bank_city"] == "г. Тверь"
    assert client_a.post(f"/settings/accounts/{second.pk}/remove/").status_code == 302
    first.refresh_from_db()
    assert first.is_default and not SettlementAccount.objects.filter(pk=second.pk).exists()


@pytest.mark.django_db
def test_another_organizations_account_is_a_404(client_a, org_b):
    foreign = SettlementAccount.objects.create(
        organization=org_b, bank_name="Банк", bic=BIC, account=ACCOUNT, correspondent_account=CORRESPONDENT
    )
    assert _post(client_a, f"/settings/accounts/{foreign.pk}/").status_code == 404
    assert client_a.post(f"/settings/accounts/{foreign.pk}/remove/").status_code == 404
    assert SettlementAccount.objects.filter(pk=foreign.pk).exists()


def test_the_history_tells_the_account_changes(client_a, org_a):
    _post(client_a, "/settings/accounts/add/")
    account = SettlementAccount.objects.get()
    _post(client_a, f"/settings/accounts/{account.pk}/", bank_city="г. Тверь")
    client_a.post(f"/settings/accounts/{account.pk}/remove/")
    text = parse(client_a.get("/settings/history/")).text
    for said in (
        "Банковский счёт добавлен в карточку организации",
        "Банковский счёт в карточке организации изменён",
        "Банковский счёт удалён из карточки организации",
        "г. Тверь",
    ):
        assert said in text
