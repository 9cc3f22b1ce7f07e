import pytest
from django.contrib import admin

from kabinet.demo.seed import seed_demo


@pytest.fixture
def seeded(db):
    seed_demo()


def test_every_model_is_registered_in_the_back_office():
    from django.apps import apps

    # The database cache's table (rate limits while Redis is down) is Django's, never read through a model.
    not_data = {"CacheFallbackEntry"}
    ours = [m for m in apps.get_models() if m.__module__.startswith("kabinet.") and m.__name__ not in not_data]
    missing = [m.__name__ for m in ours if m not in admin.site._registry]
    assert missing == []


def test_every_changelist_opens_with_search_and_filters_for_staff(client, staff, seeded):
    client.force_login(staff)
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("kabinet."):
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.get(url, {"q": "а"} if model_admin.search_fields else {})
        assert response.status_code == 200, url
        assert model_admin.list_display != ("__str__",), f"{model.__name__} needs useful list columns"
        first = model._default_manager.first()
        if first is not None:
            assert client.get(f"{url}{first.pk}/change/").status_code == 200, url


def test_clients_cannot_open_the_back_office(client, admin_a):
    client.force_login(admin_a)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
