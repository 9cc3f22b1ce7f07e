"""Early buyout on the card: which date the books' value is for; a date before today, after the books'
last value or after the contract's end is refused with a sentence, from the field and from the address
alike; the request made from it reads «Стоимость досрочного выкупа на …: … ₽», never field names."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kabinet.appeals.models import Appeal
from kabinet.contracts.models import BuyoutValue
from kabinet.testing.factories import ContractFactory

TODAY = timezone.localdate()


def text(response) -> str:
    return response.content.decode().replace("\u202f", " ").replace("\u00a0", " ")


@pytest.fixture
def contract(org_a, products):
    contract = ContractFactory(
        organization=org_a, product=products["auto"], number="AL-B-1", end_date=TODAY + timedelta(days=45)
    )
    for days, amount in ((-10, "240000.00"), (20, "230000.00"), (90, "200000.00")):
        BuyoutValue.objects.create(
            organization=org_a, contract=contract, on_date=TODAY + timedelta(days=days), amount=Decimal(amount)
        )
    return contract


def test_the_card_says_which_date_the_value_is_for(client_a, contract):
    page = text(client_a.get(f"/contracts/{contract.pk}/"))
    value_date = f"{TODAY - timedelta(days=10):%d.%m.%Y}"
    assert f"Стоимость досрочного выкупа на {value_date}:" in page
    assert "240 000,00 ₽" in page
    assert f"к выбранной дате {TODAY:%d.%m.%Y} применяется значение на {value_date}" in page


@pytest.mark.parametrize(
    ("days", "sentence"),
    [
        (-1, "Дата выкупа не может быть в прошлом"),
        (60, "Договор заканчивается"),  # after the contract's end (the books still have values)
    ],
)
def test_a_date_out_of_range_is_refused_with_a_sentence_in_the_field_and_the_address(
    client_a, contract, days, sentence
):
    day = str(TODAY + timedelta(days=days))
    page = text(client_a.get(f"/contracts/{contract.pk}/", {"buyout_on": day}))
    assert sentence in page and 'data-testid="buyout-value"' not in page
    response = client_a.post(f"/contracts/{contract.pk}/buyout-request/", {"buyout_on": day})
    assert response.status_code == 302 and "/contracts/" in response["Location"]
    assert not Appeal.objects.exists()
    assert sentence in text(client_a.get(response["Location"]))


def test_a_date_after_the_books_last_value_is_refused(client_a, org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], end_date=TODAY + timedelta(days=900))
    BuyoutValue.objects.create(organization=org_a, contract=contract, on_date=TODAY, amount=Decimal("1000.00"))
    day = str(TODAY + timedelta(days=5))
    page = text(client_a.get(f"/contracts/{contract.pk}/", {"buyout_on": day}))
    assert f"График выкупной стоимости в учёте заканчивается {TODAY:%d.%m.%Y}" in page
    client_a.post(f"/contracts/{contract.pk}/buyout-request/", {"buyout_on": day})
    assert not Appeal.objects.exists()


def test_the_request_reads_the_value_in_words(client_a, contract):
    day = TODAY + timedelta(days=25)
    response = client_a.post(f"/contracts/{contract.pk}/buyout-request/", {"buyout_on": str(day)})
    appeal = Appeal.objects.get()
    assert response["Location"] == f"/requests/{appeal.pk}/"
    page = text(client_a.get(response["Location"]))
    value_date = f"{TODAY + timedelta(days=20):%d.%m.%Y}"
    assert f"Стоимость досрочного выкупа на {value_date}: 230 000,00 ₽" in page
    assert f"{day:%d.%m.%Y}" in page
    for raw in ("buyout_value", "buyout_value_date", "230000.00", str(day)):
        assert raw not in page, raw
