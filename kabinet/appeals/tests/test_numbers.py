"""Request and support numbers: a new one continues after the highest existing number of its series
(numbers the demo or an import wrote without the counter included), and support has one form, `TP-0000001`."""

from __future__ import annotations

import re

from kabinet.appeals.models import Appeal, AppealKind
from kabinet.appeals.services import AppealInput, appeal_create
from kabinet.support.models import SupportThread
from kabinet.support.services import thread_create


def test_a_new_request_number_continues_after_the_highest_existing_one(org_a, admin_a):
    first = appeal_create(org=org_a, user=admin_a, data=AppealInput(kind=AppealKind.NEW_LEASING, description="a"))
    Appeal.objects.filter(pk=first.pk).update(number="UC-0100005")
    second = appeal_create(org=org_a, user=admin_a, data=AppealInput(kind=AppealKind.NEW_LEASING, description="b"))
    third = appeal_create(org=org_a, user=admin_a, data=AppealInput(kind=AppealKind.NEW_LEASING, description="c"))
    assert (second.number, third.number) == ("UC-0100006", "UC-0100007")


def test_support_numbers_have_one_form_and_continue_after_the_highest(org_a, admin_a):
    first = thread_create(org=org_a, user=admin_a, topic="СМС", body="Не приходит", files=[])
    assert re.fullmatch(r"TP-\d{7}", first.number)
    SupportThread.objects.filter(pk=first.pk).update(number="TP-0000042")
    second = thread_create(org=org_a, user=admin_a, topic="СМС", body="Снова", files=[])
    assert second.number == "TP-0000043"


def test_the_demo_support_appeals_are_in_the_tp_series(db):
    from kabinet.demo.seed import seed_demo  # reason: the demo is heavy; only this test needs it

    seed_demo()
    numbers = list(SupportThread.objects.values_list("number", flat=True))
    assert numbers and all(re.fullmatch(r"TP-\d{7}", n) for n in numbers), numbers
    demo_request = Appeal.objects.order_by("-number").first()
    assert demo_request is not None
    org, user = demo_request.organization, demo_request.created_by
    new = appeal_create(org=org, user=user, data=AppealInput(kind=AppealKind.NEW_LEASING, description="новая"))
    assert new.number > demo_request.number
