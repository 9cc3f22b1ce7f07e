"""The header cache: core keeps the mechanism and imports no app; each app registers its cached models
(`track`) from its AppConfig.ready() and keeps its reads."""

from __future__ import annotations

from kabinet.core import header_cache
from kabinet.notifications.header_cache import unread_count
from kabinet.notifications.models import Notification
from kabinet.organizations.header_cache import memberships


def test_every_cached_model_is_tracked():
    assert (
        set(header_cache._ROWS)
        == set(header_cache._QUERYSETS)
        == {
            "organizations.Membership",
            "organizations.Organization",
            "organizations.Invitation",
            "notifications.Notification",
            "creditors.Creditor",
            "creditors.Product",
        }
    )


def test_a_bulk_write_invalidates_through_the_registry(admin_a, org_a, django_assert_num_queries):
    user = admin_a
    assert unread_count(user, org_a) == 0
    assert memberships(user)
    with django_assert_num_queries(0):
        assert unread_count(user, org_a) == 0
        assert [m.organization_id for m in memberships(user)] == [org_a.pk]
    Notification.objects.bulk_create(
        [Notification(organization=org_a, user=user, kind="payment_due", title="Т", body="Т")]
    )
    assert unread_count(user, org_a) == 1
    Notification.objects.filter(user=user).update(read_at="2026-01-01T00:00:00Z")
    assert unread_count(user, org_a) == 0
