"""Personas shared by the whole suite: an administrator and a manager of organization A,
a user of organization B only, and staff."""

from __future__ import annotations

import os

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from kabinet.accounts.models import ConsentDocument
from kabinet.core import scope_guard
from kabinet.messaging import sms
from kabinet.organizations.models import Membership
from kabinet.organizations.services.registry import registry_import_csv
from kabinet.testing.factories import (
    ContractFactory,
    CreditorFactory,
    MembershipFactory,
    OrganizationFactory,
    ProductFactory,
    UserFactory,
)

# Property tests: no deadline and no «too slow» anywhere (a worker sharing two cores with seven others is
# not a bug of the code). Under CI (or HYPOTHESIS_PROFILE=ci) the examples are the same every run (derandomize)
# and fewer, and no example database is written into the checkout; on a developer's machine they vary from
# run to run and the failing ones are kept in .hypothesis/. A test's own @settings still wins.
hypothesis_settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.register_profile(
    "ci",
    parent=hypothesis_settings.get_profile("dev"),
    max_examples=50,
    derandomize=True,
    database=None,
    print_blob=True,
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True, scope="session")
def _scope_guard():
    """A client view that reads an organization-owned model without `for_org()` fails its tests."""
    scope_guard.install()
    yield
    scope_guard.uninstall()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Production's Argon2 at its smallest cost (kabinet/testing/hashers.py), in the place of production's
    Argon2 and only there: a change of the hashers' order in settings still shows in the tests."""
    argon2 = "django.contrib.auth.hashers.Argon2PasswordHasher"
    fast = "kabinet.testing.hashers.FastArgon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=[fast if h == argon2 else h for h in django_settings.PASSWORD_HASHERS]):
        yield


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Files go to a fresh folder per test; static files come from the finders (no collectstatic);
    background tasks run at once; SMS land in an in-memory outbox; the company registry is local."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": settings.TASK_QUEUES}
    }
    settings.SMS_BACKEND = "kabinet.messaging.sms.LocmemBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    settings.COMPANY_LOOKUP = "local"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sms.outbox.clear()
    # Rate-limit counters live in the cache: every test starts with none.
    cache.clear()


@pytest.fixture
def creditor(db):
    return CreditorFactory()


@pytest.fixture
def products(creditor):
    return {
        "auto": ProductFactory(creditor=creditor, name="Автолизинг"),
        "truck": ProductFactory(creditor=creditor, name="Коммерческий транспорт"),
    }


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="ООО «Альфа»")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="ООО «Бета»")


@pytest.fixture
def admin_a(org_a):
    user = UserFactory(full_name="Админов Алексей")
    MembershipFactory(user=user, organization=org_a, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def manager_a(org_a):
    user = UserFactory(full_name="Менеджеров Михаил")
    MembershipFactory(user=user, organization=org_a, role=Membership.Role.MANAGER)
    return user


@pytest.fixture
def user_b(org_b):
    user = UserFactory(full_name="Бетов Борис")
    MembershipFactory(user=user, organization=org_b, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def staff(db):
    return UserFactory(full_name="Сотрудник", is_staff=True, is_superuser=True)


@pytest.fixture
def client_a(client, admin_a):
    client.force_login(admin_a)
    return client


@pytest.fixture
def contract_b(org_b, products):
    return ContractFactory(organization=org_b, product=products["auto"], number="BETA-0001")


@pytest.fixture
def consent_docs(db):
    return [
        ConsentDocument.objects.create(kind="terms", version=1, title="Пользовательское соглашение", text="Текст 1"),
        ConsentDocument.objects.create(
            kind="personal_data", version=1, title="Согласие на обработку ПДн", text="Текст 2"
        ),
    ]


@pytest.fixture
def registry(db):
    result = registry_import_csv(
        text="inn;kpp;ogrn;name;director;legal_address;okved_code;status\n"
        "7801234564;780101001;1027800123450;ООО «Ромашка»;Иванов Иван Петрович;СПб, Невский 1;49.41;ACTIVE\n"
        "7707083893;773601001;1027700132195;ПАО «Сбербанк»;Греф Герман Оскарович;Москва;64.19;ACTIVE\n"
        "7709876545;;;ООО «Закрыто»;Петров;;;LIQUIDATED\n"
    )
    assert not result.errors
    return result
