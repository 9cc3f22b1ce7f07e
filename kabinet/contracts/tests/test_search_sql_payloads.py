"""The contract search takes its text literally: the boolean pairs a blind SQL-injection probe sends
(wapiti's `default AND 21=21 AND 60=60` against `… 21=47 …`) give the same page, and a number with
quotes in it is found only by itself. security/wapiti-triage.toml cites this test."""

from __future__ import annotations

import re

import pytest

from kabinet.contracts.tests.test_contract_list import _numbers as contract_numbers
from kabinet.testing.factories import ContractFactory

PAYLOADS = [
    "default AND 21=21 AND 60=60",
    "default AND 21=47 AND 60=60",
    "default' AND 33=33 AND '12'='12",
    "default' AND 33=120 AND '12'='12",
    'default") AND 44=44 AND ("12"="12',
    'default") AND 44=91 AND ("12"="12',
    "default' OR '1'='1",
    "default' OR 1=1 --",
]


def _visible_text(html: str) -> str:
    """What a reader sees (wapiti compares this): no tags, attributes, scripts or styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def contracts(org_a, products):
    ContractFactory(organization=org_a, product=products["auto"], number="AL-26-00001")
    ContractFactory(organization=org_a, product=products["auto"], number="AL' OR '1'='1")


def _search(client, q):
    response = client.get("/contracts/", {"q": q, "product": "", "status": ""})
    assert response.status_code == 200
    return contract_numbers(response), _visible_text(response.content.decode())


@pytest.mark.django_db
def test_sql_boolean_pairs_give_the_page_of_a_plain_search(client_a, contracts):
    nothing, page = _search(client_a, "default")
    assert nothing == []
    for payload in PAYLOADS:
        numbers, text = _search(client_a, payload)
        assert numbers == [], payload
        assert text == page, payload


@pytest.mark.django_db
def test_quotes_in_the_search_are_text(client_a, contracts):
    assert _search(client_a, "AL' OR '1'='1")[0] == ["AL' OR '1'='1"]
    assert _search(client_a, "' OR '1'='1")[0] == ["AL' OR '1'='1"]
    assert sorted(_search(client_a, "AL")[0]) == ["AL' OR '1'='1", "AL-26-00001"]
