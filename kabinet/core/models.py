"""Shared model bases: timestamps and the one scoped accessor for organization-owned rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.storage import held_upload_to

if TYPE_CHECKING:
    from kabinet.organizations.models import Organization


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class OrgScopedQuerySet(models.QuerySet):
    """Every client-facing lookup of an organization-owned row starts here: `for_org`/`for_org_id`
    (and `kabinet.core.access.get_object_for_org` for one object). Anything else (`.all()`, `.get()`,
    `.filter()` straight from `Model.objects`) is unscoped: right in services, the admin, the API's own
    scoping and migrations, but in a client view's code path the test suite fails it
    (`kabinet.core.scope_guard`)."""

    def for_org(self, org: Organization | None) -> Self:
        if org is None:
            return self.none()
        return self.filter(organization_id=org.pk)

    def for_org_id(self, org_id: int) -> Self:
        """For code that already holds a row of the organization (its `organization_id`)."""
        return self.filter(organization_id=org_id)

    def unscoped(self) -> Self:
        """Every row, on purpose: the caller scopes by something other than the organization (the
        signed-in user's own rows, the lessor's staff). Says so to the test suite's guard."""
        return self.all()


OrgScopedManager = models.Manager.from_queryset(OrgScopedQuerySet)


class OrgOwned(TimeStamped):
    """An organization-owned row. Child rows carry `organization_id` themselves (sharding key)."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    objects = OrgScopedManager()

    class Meta:
        abstract = True

    def clean(self) -> None:
        """A row may only point at rows of its own organization (e.g. a document at a contract)."""
        super().clean()
        if self.organization_id is None:
            return
        errors = {}
        for field in self._meta.concrete_fields:
            if not field.is_relation or field.name == "organization":
                continue
            if not (isinstance(field.related_model, type) and issubclass(field.related_model, OrgOwned)):
                continue
            related = getattr(self, field.name, None)
            if related is not None and related.organization_id != self.organization_id:
                errors[field.name] = ValidationError(
                    _("It belongs to another organization."), code="other_organization"
                )
        if errors:
            raise ValidationError(errors)


class JobRun(models.Model):
    """A daily job ran on this day: a second start the same day (another worker, a restart) does nothing."""

    name = models.CharField(max_length=64)
    run_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        constraints = [models.UniqueConstraint(fields=["name", "run_on"], name="job_run_once_a_day")]

    def __str__(self) -> str:
        return f"{self.name} {self.run_on}"


class SchedulerRun(models.Model):
    """One run of a periodic job for one of its slots (the moment it was due): the row is the lock.

    The scheduler inserts the row before it runs the job; a second scheduler process (another machine,
    a restart within the slot) meets the unique constraint and leaves the slot alone, so a job runs at
    most once per slot however many schedulers there are. The row then records the outcome."""

    RUNNING, OK, FAILED = "running", "ok", "failed"
    OUTCOMES = [(RUNNING, _("running")), (OK, _("done")), (FAILED, _("failed"))]

    name = models.CharField(_("job"), max_length=64)
    slot = models.DateTimeField(_("due at"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=OUTCOMES, default=RUNNING)
    error = models.CharField(_("error"), max_length=255, blank=True)
    runner = models.CharField(_("run by"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("scheduler run")
        verbose_name_plural = _("scheduler runs")
        ordering = ["-slot", "name"]
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="scheduler_run_once_per_slot")]
        indexes = [models.Index(fields=["slot"], name="scheduler_run_slot")]

    def __str__(self) -> str:
        return f"{self.name} {self.slot:%Y-%m-%d %H:%M}"


class HeldUpload(OrgOwned):
    """A file chosen in a form that came back with an error (a request, an appeal, a support message),
    kept for the same person in the same organization until they send the form again — the page carries
    only `token` in a hidden field, which is looked up together with the user and the organization, so
    nobody can send another person's kept file. Rows older than HELD_UPLOAD_TTL_HOURS are removed with
    their files by the scheduler (`kabinet.documents.held.purge_expired`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=64, editable=False)
    file = models.FileField(_("file"), upload_to=held_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))

    class Meta:
        verbose_name = _("file kept after a form error")
        verbose_name_plural = _("files kept after form errors")
        constraints = [models.UniqueConstraint(fields=["organization", "token"], name="held_upload_token_per_org")]
        indexes = [models.Index(fields=["created_at"], name="held_upload_created")]

    def __str__(self) -> str:
        return self.original_name


class CacheFallbackEntry(models.Model):
    """The table Django's DatabaseCache reads and writes (what `createcachetable` would make), kept by
    migrations: rate-limit counters live here while Redis is down (kabinet.core.cache, FALLBACK
    "database"). Never read or written through this model."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "kabinet_cache_fallback"

    def __str__(self) -> str:
        return self.cache_key
