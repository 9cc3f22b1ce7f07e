"""Webhooks never reach internal addresses, checked after DNS resolution at delivery time
and at registration; redirects are not followed; an allow-list admits an on-premise receiver."""

import socket
from unittest import mock

import pytest

from kabinet.api.models import ApiEvent, ApiToken, WebhookDelivery
from kabinet.api.webhooks import deliver
from kabinet.core.net import address_is_public
from kabinet.testing.http import FakeServer, Reply


@pytest.fixture
def delivery(org_a, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    def make(url):
        token, _ = ApiToken.issue(name="1C", staff_wide=True)
        ApiToken.objects.filter(pk=token.pk).update(webhook_url=url)
        event = ApiEvent.objects.create(kind="appeal.created", organization=org_a, payload={})
        return WebhookDelivery.objects.create(token=token, event=event)

    return make


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.100.100.200",  # shared address space (a metadata service lives there too)
        "0.0.0.0",  # noqa: S104
        "::1",
        "fd00:ec2::254",
        "fe80::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
        # IPv6 transition forms of internal IPv4 addresses, judged by the address they lead to
        "::127.0.0.1",  # IPv4-compatible
        "64:ff9b::7f00:1",  # NAT64
        "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata address
        "64:ff9b:1::a00:1",  # local-use NAT64
        "2002:7f00:1::1",  # 6to4
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    ],
)
def test_internal_addresses_are_not_public(address):
    assert not address_is_public(address)


def test_a_public_address_is(settings):
    assert address_is_public("93.184.216.34") and address_is_public("2a00:1450:4010:c05::8b")
    assert address_is_public("64:ff9b::808:808") and address_is_public("2002:808:808::1")


def test_a_local_receiver_is_refused_by_default_and_never_contacted(delivery):
    with FakeServer(lambda seen: Reply(status=200)) as server:
        item = delivery(server.url + "/hook")
        assert deliver(item.pk) == "failed"
    assert server.requests == []
    item.refresh_from_db()
    assert item.last_error.startswith("refused") and item.attempts == 1


def test_a_name_resolving_to_an_internal_address_is_refused_at_delivery_time(delivery):
    with FakeServer(lambda seen: Reply(status=200)) as server:
        port = server.url.rsplit(":", 1)[1]
        item = delivery(f"http://hooks.partner.example:{port}/hook")
        # At delivery the name points inside (DNS rebinding after registration).
        with mock.patch(
            "socket.getaddrinfo", return_value=[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", int(port)))]
        ):
            assert deliver(item.pk) == "failed"
    assert server.requests == []


def test_the_allow_list_admits_an_on_premise_receiver_by_the_checked_address(delivery, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with FakeServer(lambda seen: Reply(status=200)) as server:
        port = int(server.url.rsplit(":", 1)[1])
        item = delivery(f"http://accounting.local:{port}/hook")
        answer = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        with mock.patch("socket.getaddrinfo", return_value=answer) as lookup:
            assert deliver(item.pk) == "delivered"
    # The name was resolved once; the connection went to the address that was checked.
    hosts = [call.args[0] for call in lookup.call_args_list]
    assert hosts[0] == "accounting.local" and set(hosts[1:]) <= {"127.0.0.1"}
    assert server.requests[0].headers["Host"] == f"accounting.local:{port}"


def test_redirects_are_not_followed(delivery, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with FakeServer(lambda seen: Reply(status=200)) as target:
        redirect = Reply(status=302, headers={"Location": target.url + "/inside"})
        with FakeServer(lambda seen: redirect) as server:
            item = delivery(server.url + "/hook")
            assert deliver(item.pk) == "pending"
    assert len(server.requests) == 1 and target.requests == []
    item.refresh_from_db()
    assert item.response_code == 302 and "redirects are not followed" in item.last_error


def test_other_schemes_are_refused(delivery):
    item = delivery("file:///etc/passwd")
    assert deliver(item.pk) == "failed"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "gopher://x/",
        "http://[::127.0.0.1]:8000/hook",
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::1]/",
    ],
)
def test_staff_cannot_register_an_internal_webhook(client, staff, url):
    client.force_login(staff)
    response = client.post(
        "/admin/api/apitoken/add/",
        {"name": "1C", "kind": "staff", "can_read": "on", "webhook_url": url, "allowed_ips": ""},
    )
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_staff_register_an_allowed_on_premise_webhook(client, staff, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    client.force_login(staff)
    response = client.post(
        "/admin/api/apitoken/add/",
        {
            "name": "1C",
            "kind": "staff",
            "can_read": "on",
            "webhook_url": "http://127.0.0.1:8080/hook",
            "allowed_ips": "",
        },
    )
    assert response.status_code == 302
    assert ApiToken.objects.get().webhook_url == "http://127.0.0.1:8080/hook"
