"""Contract test: the integration scripts of earlier releases (examples/legacy/<commit>/, verbatim
copies) run unchanged against today's API, with a token as the upgrade left theirs."""

from __future__ import annotations

import runpy
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from kabinet.api.models import ApiToken
from kabinet.contracts import ledger
from kabinet.contracts.models import Contract, PaymentReceived

LEGACY = Path(__file__).resolve().parents[3] / "examples" / "legacy"


@pytest.mark.django_db(transaction=True)
def test_the_nightly_sync_of_release_0_1_0_runs_against_todays_api(live_server, monkeypatch, capsys):
    # Release 0.1.0's tokens had no creditor; the upgrade made them staff-wide without the requisites
    # scope, which only staff grant. So the first night (the creditor's requisites are new) runs with a
    # token staff granted it; the next night, with requisites unchanged, the upgraded token does it all.
    _, first = ApiToken.issue(name="1C", staff_wide=True, can_read=True, can_write=True, can_change_requisites=True)
    _, upgraded = ApiToken.issue(name="1C old", staff_wide=True, can_read=True, can_write=True)
    for secret in (first, upgraded):  # every call of the script is idempotent: the second run changes nothing
        argv = ["nightly_sync.py", "--url", live_server.url, "--token", secret, "--contracts", "2"]
        monkeypatch.setattr(sys, "argv", argv)
        runpy.run_path(str(LEGACY / "37c8e7a" / "nightly_sync.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "payments: {'updated': 22}" in out

    assert PaymentReceived.objects.count() == 22
    for contract in Contract.objects.filter(external_id__startswith="1C-C-"):
        state = ledger.contract_ledger(contract)
        assert [line.paid_amount for line in state.lines[:12]] == [Decimal("118983.33")] * 11 + [Decimal("0")]
        assert state.paid == Decimal("118983.33") * 11
        assert state.unallocated == 0
