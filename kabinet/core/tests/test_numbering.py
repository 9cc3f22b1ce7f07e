"""The number formats (the counters themselves are tested with their models: invoices, support, appeals)."""

from kabinet.core import numbering


def test_client_numbers_are_a_series_and_seven_digits():
    assert numbering.client_number(numbering.REQUEST_SERIES, 4607) == "UC-0004607"
    assert numbering.client_number(numbering.SUPPORT_SERIES, 12) == "TP-0000012"


def test_invoice_numbers_are_the_year_and_six_digits():
    assert numbering.yearly_number(2026, 123) == "2026-000123"
    assert numbering.yearly_number(2026, 1234567) == "2026-1234567"
