"""A password made of the user's name or e-mail is refused in either alphabet: «Андрей Соколов» may not
use `andrey.sokolov`, `Sokolov Andrey` or `Andrey1980!` (the reset of user 03 accepted them)."""

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse

from kabinet.accounts.validators import skeleton
from kabinet.testing.factories import PASSWORD, UserFactory


@pytest.fixture
def sokolov(db):
    return UserFactory(full_name="Соколов Андрей Викторович", email="a.sokolov@example.com")


@pytest.mark.parametrize(
    "password",
    [
        "andrey.sokolov",
        "Sokolov Andrey",
        "Andrey1980!",
        "andrei_sokolov",
        "Sokolov2024!!",
        "VIKTOROVICH-77",
        "андрейсоколов",
        "Андрей1980!",
        "Andrej.Sokolow",
    ],
)
def test_a_password_made_of_the_name_in_either_alphabet_is_refused(sokolov, password):
    with pytest.raises(ValidationError) as caught:
        password_validation.validate_password(password, sokolov)
    assert "слишком похож на ваше имя" in " ".join(caught.value.messages)


@pytest.mark.parametrize("password", ["Leasing-Portal-2026", "Sokol-gnezdo-Okna-19", "Zelyonaya lampa 404"])
def test_a_password_that_only_touches_the_name_passes(sokolov, password):
    password_validation.validate_password(password, sokolov)


def test_spelling_variants_share_one_skeleton():
    assert skeleton("Андрей Соколов") == skeleton("Andrey Sokolov") == skeleton("andrei sokolov")
    assert skeleton("Юлия Щукина") == skeleton("Julia Schukina") == skeleton("Yuliya Shchukina")
    assert skeleton("Алексей") == skeleton("Alexey")


def test_the_profile_refuses_the_latin_name_with_a_russian_error(client, sokolov):
    client.force_login(sokolov)
    html = client.post(
        reverse("accounts:profile"),
        {
            "action": "password",
            "old_password": PASSWORD,
            "new_password1": "Andrey1980!",
            "new_password2": "Andrey1980!",
        },
    ).content.decode()
    assert "слишком похож на ваше имя" in html
    sokolov.refresh_from_db()
    assert sokolov.check_password(PASSWORD)
