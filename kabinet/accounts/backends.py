"""Sign-in by phone number and password (the phone is the login)."""

from django.contrib.auth.backends import ModelBackend


class PhoneBackend(ModelBackend):
    """ModelBackend whose username is a phone typed in any common Russian way.

    The manager's `get_by_natural_key` normalizes the phone, so `+7 900 000-00-01`, `89000000001`
    and `9000000001` all find the same user; the timing-equalizing hash of ModelBackend is kept.
    """
