"""Moved to `kabinet.messaging.sms` (every outbox channel lives there). This name stays so that
SMS_BACKEND values written as `kabinet.accounts.sms.<Backend>` (deployments, the README before the move)
keep working."""

from kabinet.messaging.sms import (  # noqa: F401
    BaseBackend,
    ConsoleBackend,
    FileBackend,
    LocmemBackend,
    SmscBackend,
    SmsError,
    SmsRuBackend,
    get_backend,
    outbox,
)
