import pytest

from kabinet.accounts.models import ConsentDocument
from kabinet.organizations.services import registry_import_csv


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
        "inn;kpp;ogrn;name;director;legal_address;okved_code;status\n"
        "7801234564;780101001;1027800123450;ООО «Ромашка»;Иванов Иван Петрович;СПб, Невский 1;49.41;ACTIVE\n"
        "7707083893;773601001;1027700132195;ПАО «Сбербанк»;Греф Герман Оскарович;Москва;64.19;ACTIVE\n"
        "7709876545;;;ООО «Закрыто»;Петров;;;LIQUIDATED\n"
    )
    assert not result.errors
    return result
