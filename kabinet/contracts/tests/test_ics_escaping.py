"""ICS text escapes every line break (fails on the old code: a contract number with a bare CR, which the
API accepts, went into the .ics as is, so a calendar client could read what follows as a new property)."""

from kabinet.testing.factories import ContractFactory, ScheduledPaymentFactory


def test_a_bare_cr_or_other_control_character_never_breaks_an_ics_line(client_a, org_a, products):
    contract = ContractFactory(organization=org_a, product=products["auto"], number="AL-1\rX-INJECTED:1\x0b\n2")
    ScheduledPaymentFactory(contract=contract, number=1)
    text = client_a.get(f"/contracts/{contract.pk}/schedule.ics").content.decode()
    lines = text.split("\r\n")
    assert "\r" not in "".join(lines) and "\x0b" not in text
    assert not [line for line in lines if line.startswith("X-INJECTED")]
    summary = "".join(line.removeprefix(" ") for line in lines if line.startswith(("SUMMARY", " ")))
    assert "AL-1\\nX-INJECTED:1\\n2" in summary
