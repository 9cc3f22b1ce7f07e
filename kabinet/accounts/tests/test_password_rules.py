"""A password equal (or close) to the phone or the full name is refused."""

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse

from kabinet.accounts.models import User
from kabinet.onboarding.tests.test_registration import FORM
from kabinet.testing.factories import PASSWORD


@pytest.mark.parametrize("password", ["+79215551234", "+7 921 555-12-34", "89215551234x", "9215551234abc"])
def test_registration_refuses_a_password_like_the_phone(client, registry, consent_docs, password):
    response = client.post(reverse("accounts:register"), {**FORM, "password1": password, "password2": password})
    assert response.status_code == 200
    assert "слишком похож" in response.content.decode()
    assert not User.objects.exists()


def test_registration_refuses_the_full_name_as_the_password(client, registry, consent_docs):
    password = "Иванова Мария Сергеевна"
    response = client.post(reverse("accounts:register"), {**FORM, "password1": password, "password2": password})
    assert "слишком похож" in response.content.decode()


@pytest.mark.parametrize("field", ["phone", "full_name"])
def test_changing_the_password_to_the_phone_or_the_name_is_refused(client_a, admin_a, field):
    new = str(getattr(admin_a, field))
    html = client_a.post(
        reverse("accounts:profile"),
        {"action": "password", "old_password": PASSWORD, "new_password1": new, "new_password2": new},
    ).content.decode()
    assert "слишком похож" in html
    admin_a.refresh_from_db()
    assert admin_a.check_password(PASSWORD)


def test_an_unrelated_strong_password_passes(admin_a):
    password_validation.validate_password("Leasing-Portal-2026", admin_a)


def test_the_validator_names_the_phone_field(admin_a):
    with pytest.raises(ValidationError) as caught:
        password_validation.validate_password(str(admin_a.phone), admin_a)
    assert "телефон" in str(caught.value)
