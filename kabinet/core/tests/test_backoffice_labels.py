"""The back office's form inputs have names a screen reader can read (the browser check is axe-core in
e2e/test_accessibility.py): a tabular inline's inputs carry their column's name, and each input of a date
and time pair sits in its own label."""

from __future__ import annotations

import re

from kabinet.testing.factories import ContractFactory, LeasedItemFactory


def test_a_tabular_inlines_inputs_carry_their_columns_name(client, staff, org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"])
    LeasedItemFactory(contract=contract, make="Kia")
    client.force_login(staff)
    page = client.get(f"/admin/contracts/contract/{contract.pk}/change/").content.decode()
    made = re.search(r'<input[^>]*name="items-0-make"[^>]*>', page)
    assert made and 'aria-label="Марка"' in made.group(0), made
    blank = re.search(r'<input[^>]*name="items-__prefix__-make"[^>]*>', page)  # the row «Добавить ещё» copies
    assert blank and 'aria-label="Марка"' in blank.group(0), blank


def test_each_input_of_a_date_and_time_pair_has_its_own_label(client, staff, org_a):
    client.force_login(staff)
    page = client.get(f"/admin/organizations/organization/{org_a.pk}/change/").content.decode()
    assert re.search(r'<label>Дата: <input[^>]*id="id_data_as_of_0"', page)
    assert re.search(r'<label>Время: <input[^>]*id="id_data_as_of_1"', page)
