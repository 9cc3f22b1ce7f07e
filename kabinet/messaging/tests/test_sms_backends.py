"""The SMS gateway clients against a local server that speaks the gateways' documented answers."""

import pytest

from kabinet.messaging.sms import FileBackend, SmscBackend, SmsError, SmsRuBackend
from kabinet.testing.http import FakeServer, Reply

PHONE = "+79001234567"


def smsru_ok(seen):
    to = seen.form["to"]
    return Reply(
        body={
            "status": "OK",
            "status_code": 100,
            "sms": {to: {"status": "OK", "status_code": 100, "sms_id": "000000-10000000"}},
            "balance": 4122.56,
        }
    )


def test_smsru_sends_the_documented_request_and_reads_the_message_id():
    with FakeServer(smsru_ok) as server:
        backend = SmsRuBackend(api_id="KEY-1", url=server.url + "/sms/send", sender="BALTLEASE")
        assert backend.send(PHONE, "Код: 1234") == "000000-10000000"
    form = server.requests[0].form
    assert server.requests[0].path == "/sms/send"
    assert form == {"api_id": "KEY-1", "to": "79001234567", "msg": "Код: 1234", "json": "1", "from": "BALTLEASE"}


@pytest.mark.parametrize(
    ("answer", "retryable", "code"),
    [
        ({"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}, False, "200"),
        ({"status": "ERROR", "status_code": 220, "status_text": "Сервис временно недоступен"}, True, "220"),
        (
            {
                "status": "OK",
                "status_code": 100,
                "sms": {
                    "79001234567": {
                        "status": "ERROR",
                        "status_code": 207,
                        "status_text": "На этот номер нельзя отправлять сообщения",
                    }
                },
            },
            False,
            "207",
        ),
    ],
)
def test_smsru_error_answers_say_whether_to_retry(answer, retryable, code):
    with FakeServer(lambda seen: Reply(body=answer)) as server, pytest.raises(SmsError) as error:
        SmsRuBackend(api_id="KEY", url=server.url).send(PHONE, "x")
    assert error.value.retryable is retryable
    assert error.value.code == code


def test_smsc_sends_the_documented_request_and_reads_the_message_id():
    with FakeServer(lambda seen: Reply(body={"id": 42, "cnt": 1})) as server:
        assert (
            SmscBackend(login="baltlease", password="secret", url=server.url + "/sys/send.php").send(PHONE, "Код")
            == "42"
        )
    form = server.requests[0].form
    assert form["login"] == "baltlease" and form["psw"] == "secret" and form["phones"] == "79001234567"
    assert form["mes"] == "Код" and form["fmt"] == "3" and form["charset"] == "utf-8"


@pytest.mark.parametrize(
    ("answer", "retryable"),
    [
        ({"error": "authorise error", "error_code": 2}, False),
        ({"error": "no money", "error_code": 3, "id": 7}, False),
        ({"error": "invalid phone", "error_code": 7, "id": 7}, False),
        ({"error": "ip blocked", "error_code": 4}, True),
        ({"error": "duplicate request", "error_code": 9}, True),
    ],
)
def test_smsc_error_answers_say_whether_to_retry(answer, retryable):
    with FakeServer(lambda seen: Reply(body=answer)) as server, pytest.raises(SmsError) as error:
        SmscBackend(login="l", password="p", url=server.url).send(PHONE, "x")
    assert error.value.retryable is retryable
    assert error.value.code == str(answer["error_code"])


@pytest.mark.parametrize("backend_class", [SmsRuBackend, SmscBackend])
def test_a_gateway_that_is_down_or_slow_is_a_retryable_error(backend_class):
    with FakeServer(lambda seen: Reply(status=502, body={"error": "bad gateway"})) as server:
        with pytest.raises(SmsError) as error:
            backend_class(url=server.url, timeout=2).send(PHONE, "x")
        assert error.value.retryable
    with FakeServer(lambda seen: Reply(delay=2.0, body={})) as server:
        with pytest.raises(SmsError) as error:
            backend_class(url=server.url, timeout=1).send(PHONE, "x")
        assert error.value.retryable and error.value.code == "network"
    with FakeServer(lambda seen: Reply(raw=b"<html>maintenance</html>")) as server:
        with pytest.raises(SmsError) as error:
            backend_class(url=server.url).send(PHONE, "x")
        assert error.value.retryable
    # Nobody listens at all.
    with pytest.raises(SmsError) as error:
        backend_class(url="http://127.0.0.1:9", timeout=1).send(PHONE, "x")
    assert error.value.retryable


def test_the_file_backend_keeps_an_outbox_that_the_command_reads(tmp_path, capsys):
    from django.core.management import call_command

    backend = FileBackend(str(tmp_path))
    backend.send(PHONE, "Первое")
    backend.send("+79007654321", "Второе")
    assert [m["text"] for m in backend.read()] == ["Первое", "Второе"]
    with pytest.MonkeyPatch.context() as mp:
        from django.conf import settings

        mp.setattr(settings, "SMS_FILE_PATH", str(tmp_path))
        call_command("sms_outbox", "--phone", PHONE)
    out = capsys.readouterr().out
    assert "Первое" in out and "Второе" not in out
