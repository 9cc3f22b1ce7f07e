"""Passkeys (WebAuthn) over the `webauthn` library: the options a browser gets, the checks of its answers,
and the writes (add, use, delete), each audited.

The challenge of a ceremony is made here and kept by the caller (the session); the relying-party id and
the origins allowed come from settings (`WEBAUTHN_RP_ID`, `WEBAUTHN_ORIGINS`), never from the request.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidJSONStructure, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from kabinet.accounts.models import Passkey, User
from kabinet.audit.services import audit_record
from kabinet.core.net import Origin

MAX_NAME = 64


class PasskeyError(Exception):
    """A passkey answer that does not hold; the message is shown to the user."""


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = []
    for value in passkey.transports or []:
        try:
            transports.append(AuthenticatorTransport(value))
        except ValueError:
            continue  # a transport this library version does not know is only a hint
    return PublicKeyCredentialDescriptor(id=bytes(passkey.credential_id), transports=transports or None)


def registration_options(user: User) -> tuple[str, bytes]:
    """The options for `navigator.credentials.create` (JSON) and the challenge to keep."""
    options = generate_registration_options(
        rp_id=settings.WEBAUTHN_RP_ID,
        rp_name=_("Client portal"),
        user_id=str(user.pk).encode(),
        user_name=str(user.phone),
        user_display_name=user.full_name or user.phone_display,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[_descriptor(p) for p in user.passkeys.all()],
    )
    return options_to_json(options), options.challenge


def authentication_options(user: User | None = None) -> tuple[str, bytes]:
    """The options for `navigator.credentials.get`: any passkey of the portal (the browser offers the ones
    it has), or only the given user's (the second factor)."""
    allow = [_descriptor(p) for p in user.passkeys.all()] if user is not None else []
    options = generate_authentication_options(
        rp_id=settings.WEBAUTHN_RP_ID,
        allow_credentials=allow,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options), options.challenge


def passkey_add(*, user: User, name: str, credential: str, challenge: bytes, origin: Origin) -> Passkey:
    name = (name or "").strip()[:MAX_NAME] or _("Passkey")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=settings.WEBAUTHN_RP_ID,
            expected_origin=list(settings.WEBAUTHN_ORIGINS),
            require_user_verification=True,
        )
    except (InvalidRegistrationResponse, InvalidJSONStructure) as exc:
        raise PasskeyError(_("The passkey was not added: the device's answer did not pass the check.")) from exc
    try:
        transports = json.loads(credential).get("response", {}).get("transports") or []
    except (ValueError, AttributeError):
        transports = []
    with transaction.atomic():
        if Passkey.objects.filter(credential_id=verified.credential_id).exists():
            raise PasskeyError(_("This passkey is already added."))
        passkey = Passkey.objects.create(
            user=user,
            name=name,
            credential_id=verified.credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=[str(t) for t in transports][:8],
        )
        audit_record(action="passkey_added", actor=user, obj=user, after={"passkey": name}, origin=origin)
    return passkey


def passkey_authenticate(*, credential: str, challenge: bytes, origin: Origin, user: User | None = None) -> Passkey:
    """Check a sign-in answer; with `user`, the passkey must be theirs (the second factor)."""
    failed = _("The passkey was not accepted. Try again or sign in with the password.")
    try:
        parsed = parse_authentication_credential_json(credential)
    except InvalidJSONStructure as exc:
        raise PasskeyError(failed) from exc
    with transaction.atomic():
        passkey = (
            Passkey.objects.select_for_update()
            .select_related("user")
            .filter(credential_id=parsed.raw_id, user__is_active=True)
            .first()
        )
        if passkey is None or (user is not None and passkey.user_id != user.pk):
            raise PasskeyError(failed)
        try:
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=challenge,
                expected_rp_id=settings.WEBAUTHN_RP_ID,
                expected_origin=list(settings.WEBAUTHN_ORIGINS),
                credential_public_key=bytes(passkey.public_key),
                credential_current_sign_count=passkey.sign_count,
                require_user_verification=True,
            )
        except InvalidAuthenticationResponse as exc:
            raise PasskeyError(failed) from exc
        passkey.sign_count = verified.new_sign_count
        passkey.last_used_at = timezone.now()
        passkey.save(update_fields=["sign_count", "last_used_at"])
        audit_record(
            action="passkey_used", actor=passkey.user, obj=passkey.user, after={"passkey": passkey.name}, origin=origin
        )
    return passkey


def passkey_delete(*, user: User, passkey_id: int, origin: Origin) -> None:
    with transaction.atomic():
        passkey = Passkey.objects.select_for_update().filter(user=user, pk=passkey_id).first()
        if passkey is None:
            raise Passkey.DoesNotExist
        name = passkey.name
        passkey.delete()
        audit_record(action="passkey_deleted", actor=user, obj=user, before={"passkey": name}, origin=origin)
