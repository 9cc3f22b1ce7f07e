"""Reads of the accounts app for its pages and the pages above it. Everything here belongs to one person
(the signed-in user's own rows) or is public (the current legal texts); nothing is organization-owned."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kabinet.accounts.models import Consent, ConsentDocument, DataRequest, PhoneChallenge, Registration, User


def legal_document(kind: str) -> ConsentDocument | None:
    """The current (newest) version of a legal text, or None when there is none yet."""
    return ConsentDocument.objects.filter(kind=kind).order_by("-version").first()


def phone_change_challenge(user: User, challenge_id: int | None, *, pending: bool = False) -> PhoneChallenge | None:
    """The user's own code of a phone change (the id kept in the session); `pending`: not yet confirmed."""
    if challenge_id is None:
        return None
    challenges = PhoneChallenge.objects.filter(pk=challenge_id, user=user)
    if pending:
        challenges = challenges.filter(confirmed_at__isnull=True)
    return challenges.first()


def data_requests(user: User) -> QuerySet[DataRequest]:
    """The person's requests about their personal data, newest first."""
    return DataRequest.objects.filter(user=user).order_by("-created_at")


def registrations(user: User, *, statuses: list[str] | None = None) -> QuerySet[Registration]:
    """The person's registrations and requests to join organizations (optionally of some statuses)."""
    found = Registration.objects.filter(user=user)
    if statuses is not None:
        found = found.filter(status__in=statuses)
    return found


def phone_has_account(phone: str) -> bool:
    return User.objects.filter(phone=phone).exists()


def consents_of(user: User) -> list[Consent]:
    """Every consent the user gave (at registration or later), newest first, with its withdrawal."""
    return list(
        Consent.objects.filter(Q(user=user) | Q(registration__user=user))
        .select_related("document", "withdrawal")
        .order_by("-accepted_at", "-id")
    )
