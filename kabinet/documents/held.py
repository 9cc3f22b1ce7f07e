"""Files kept across a form's validation error, so a person never chooses them twice.

A browser never sends chosen files again after the page comes back with an error. So the files that
passed the checks are stored at once as `HeldUpload` rows of this person in this organization, and the
form carries only their random tokens (checked boxes, so a file can be left out). When the form is sent
again the tokens are looked up *with the user and the organization*: a token of anybody else (or one
that has expired) is refused with an error, never attached. After a successful send the kept files are
removed; the ones a person abandons are removed by the scheduler after HELD_UPLOAD_TTL_HOURS.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.files import check_file_count, check_upload, clean_filename
from kabinet.core.models import HeldUpload

log = logging.getLogger(__name__)

FIELD = "held_files"


class KeptFiles:
    """The kept files of one form submission: `check` after `form.is_valid()`, `files` for the service,
    `release` after success, `keep` after an error (the list the template shows)."""

    def __init__(self, request, form, field: str = "files"):
        self.request = request
        self.form = form
        self.field = field
        self.enabled = field in form.fields
        tokens: list[str] = []
        if self.enabled and request.method == "POST":
            tokens = list(dict.fromkeys(t for t in request.POST.getlist(FIELD) if t))
        self.tokens = tokens[: settings.DOCUMENT_UPLOAD_MAX_FILES + 1]
        found = (
            {
                h.token: h
                for h in HeldUpload.objects.for_org(request.org).filter(user=request.user, token__in=self.tokens)
            }
            if self.tokens
            else {}
        )
        self.held = [found[t] for t in self.tokens if t in found]
        self.refused = [t for t in self.tokens if t not in found]
        self._opened: list[File] = []
        # A form that needs a file is satisfied by a kept one: the field checks only the new ones.
        self.required = self.enabled and form.fields[field].required
        if self.required and self.held:
            form.fields[field].required = False

    def check(self) -> bool:
        """Add the form's errors for refused tokens and for too many files; True when there are none."""
        if not self.enabled:
            return True
        ok = True
        if self.refused:
            ok = False
            log.warning("held upload refused", extra={"count": len(self.refused)})
            self.form.add_error(
                self.field,
                _("A file kept from the previous attempt is no longer available. Choose it again."),
            )
        new = len(self.request.FILES.getlist(self.field))
        try:
            check_file_count(len(self.held) + new)
        except ValidationError as exc:
            ok = False
            self.form.add_error(self.field, exc)
        return ok

    def files(self, new_files) -> list:
        """The kept files (opened for reading, named as the person chose them) followed by the new ones."""
        opened = []
        for held in self.held:
            handle = File(held.file.open("rb"), name=held.original_name)
            opened.append(handle)
        self._opened.extend(opened)
        return opened + list(new_files or [])

    def _close(self) -> None:
        for handle in self._opened:
            handle.close()  # closing twice is harmless
        self._opened = []

    def release(self) -> None:
        """After a successful send: the kept copies are no longer needed."""
        self._close()
        for held in self.held:
            _delete(held)
        self.held = []

    def keep(self) -> list[HeldUpload]:
        """After an error: store the newly chosen files that pass the checks (a file of a wrong kind or
        size keeps its error and must be chosen again); the ones already kept stay."""
        self._close()
        if not self.enabled:
            return []
        room = settings.DOCUMENT_UPLOAD_MAX_FILES - len(self.held)
        for uploaded in self.request.FILES.getlist(self.field)[: max(room, 0)]:
            try:
                content_type = check_upload(uploaded)
            except ValidationError:
                continue
            self.held.append(
                hold(user=self.request.user, org=self.request.org, uploaded=uploaded, content_type=content_type)
            )
        return self.held


def hold(*, user, org, uploaded, content_type: str) -> HeldUpload:
    name = clean_filename(uploaded.name)
    held = HeldUpload(
        organization=org,
        user=user,
        token=secrets.token_urlsafe(32),
        original_name=name,
        content_type=content_type,
        size=uploaded.size,
    )
    uploaded.seek(0)
    held.file.save(name, uploaded, save=False)
    held.save()
    return held


def _delete(held: HeldUpload) -> None:
    held.file.delete(save=False)
    held.delete()


def purge_expired(now=None) -> int:
    """Remove the kept files nobody came back for (run by the scheduler every hour)."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.HELD_UPLOAD_TTL_HOURS)
    count = 0
    for held in HeldUpload.objects.filter(created_at__lt=cutoff).iterator(chunk_size=200):
        _delete(held)
        count += 1
    return count
