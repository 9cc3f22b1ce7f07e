"""Shared model bases: timestamps and the one scoped accessor for organization-owned rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from kabinet.core.storage import held_upload_to

if TYPE_CHECKING:
    from kabinet.organizations.models import Organization

M = TypeVar("M", bound=models.Model)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class OrgScopedQuerySet(models.QuerySet):
    """Every client-facing lookup of an organization-owned row starts here."""

    def for_org(self, org: Organization | None) -> OrgScopedQuerySet:
        if org is None:
            return self.none()
        return self.filter(organization_id=org.pk)

    def for_org_id(self, org_id: int) -> OrgScopedQuerySet:
        """For code that already holds a row of the organization (its `organization_id`)."""
        return self.filter(organization_id=org_id)


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


class NotInOrganization(Http404):
    """The object is not in the selected organization (or does not exist at all).

    It carries what was looked up, so the 404 page can offer to switch to another organization of
    the same user that owns the object; to anybody else it is the plain 404 of a missing object.
    """

    def __init__(self, model: type[models.Model], lookup: dict[str, Any]):
        super().__init__(f"No {model._meta.label} matches the given query.")
        self.model = model
        self.lookup = lookup


def get_object_for_org(queryset: models.QuerySet[M] | type[M], org: Organization | None, **lookup: Any) -> M:
    """The single way a view fetches one organization-owned object.

    Another organization's object is a 404, exactly like one that does not exist.
    """
    manager_or_qs: Any = queryset.objects.all() if isinstance(queryset, type) else queryset  # type: ignore[attr-defined]
    try:
        return manager_or_qs.for_org(org).get(**lookup)
    except (manager_or_qs.model.DoesNotExist, ValueError) as exc:
        raise NotInOrganization(manager_or_qs.model, lookup) from exc


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
