"""`core.numbering.next_in_sequence` on the invoice counter (creditor + year): the first use creates the
row, every call takes the next value, and concurrent first uses neither fail nor repeat a number."""

import threading

import pytest
from django.db import connection, transaction

from kabinet.core.numbering import next_in_sequence
from kabinet.invoices.models import InvoiceCounter


def test_the_first_number_of_a_year_is_one_and_years_count_apart(creditor):
    assert next_in_sequence(InvoiceCounter, creditor=creditor, year=2026) == 1
    assert next_in_sequence(InvoiceCounter, creditor=creditor, year=2026) == 2
    assert next_in_sequence(InvoiceCounter, creditor=creditor, year=2027) == 1
    assert InvoiceCounter.objects.get(creditor=creditor, year=2026).last_number == 2


def test_a_rolled_back_transaction_gives_its_number_back(creditor):
    next_in_sequence(InvoiceCounter, creditor=creditor, year=2026)
    with pytest.raises(RuntimeError), transaction.atomic():
        next_in_sequence(InvoiceCounter, creditor=creditor, year=2026)
        raise RuntimeError
    assert next_in_sequence(InvoiceCounter, creditor=creditor, year=2026) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL test (CI runs it there)")
def test_concurrent_first_uses_create_one_row_and_hand_out_each_number_once(creditor):
    workers = 8
    numbers, errors = [], []
    barrier = threading.Barrier(workers)

    def work():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            for _ in range(3):
                with transaction.atomic():
                    numbers.append(next_in_sequence(InvoiceCounter, creditor=creditor, year=2031))
        except Exception as exc:
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, workers * 3 + 1))
    assert InvoiceCounter.objects.filter(creditor=creditor, year=2031).count() == 1
