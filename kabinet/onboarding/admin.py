"""The registration requests in the back office: approve, or reject with a reason the client reads."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kabinet.accounts.models import Registration
from kabinet.core.admin_site import Waiting, add_waiting
from kabinet.core.net import Origin
from kabinet.core.phones import format_phone
from kabinet.onboarding import services


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the client will read it)"), widget=forms.Textarea(attrs={"rows": 4}))


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("company_name", "inn", "full_name", "phone", "kind", "status", "created_at", "decided_at")
    list_filter = ("status", "kind")
    search_fields = ("company_name", "inn", "full_name", "phone", "email")
    date_hierarchy = "created_at"
    readonly_fields = [
        {"company_data": "company_data_display", "phone": "phone_display"}.get(f.name, f.name)
        for f in Registration._meta.fields
        if f.name not in ("password",)
    ]
    exclude = ("password", "company_data", "phone")
    actions = ["approve", "reject"]
    list_select_related = ("user", "organization")
    change_form_template = "admin/accounts/registration/change_form.html"

    @admin.display(description=_("phone"))
    def phone_display(self, obj):
        return format_phone(str(obj.phone)) if obj.phone else "—"

    @admin.display(description=_("company data"))
    def company_data_display(self, obj):
        data = obj.company_data or {}
        labels = {
            "inn": _("INN"),
            "name": _("name"),
            "full_name": _("full name of the company"),
            "kpp": _("KPP"),
            "ogrn": _("OGRN"),
            "director": _("director"),
            "legal_address": _("legal address"),
            "okved_code": _("OKVED code"),
            "okved_name": _("main activity"),
            "active": _("active in the registry"),
        }
        rows = []
        for key, value in data.items():
            if value in ("", None):
                continue
            if isinstance(value, bool):
                value = _("yes") if value else _("no")
            rows.append((labels.get(key, key), value))
        if not rows:
            return "—"
        return format_html('<dl class="kb-pairs">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows))

    def get_urls(self):
        return [
            path(
                "<int:pk>/approve/",
                self.admin_site.admin_view(self.approve_one),
                name="accounts_registration_approve",
            ),
            path(
                "<int:pk>/reject/",
                self.admin_site.admin_view(self.reject_one),
                name="accounts_registration_reject",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        registration = self.get_object(request, object_id)
        context = {
            "can_decide": registration is not None
            and registration.status == Registration.Status.AWAITING_APPROVAL
            and self.has_change_permission(request, registration),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def _decision_target(self, request, pk):
        registration = get_object_or_404(Registration, pk=pk)
        if not self.has_change_permission(request, registration):
            raise PermissionDenied
        return registration

    def approve_one(self, request, pk: int):
        """«Одобрить» on the registration page itself (POST only)."""
        registration = self._decision_target(request, pk)
        if request.method != "POST":
            return redirect("admin:accounts_registration_change", pk)
        try:
            services.registration_approve(
                registration_id=registration.pk, staff=request.user, origin=Origin.of(request)
            )
        except services.ServiceError as exc:
            self.message_user(request, exc.message, messages.WARNING)
        else:
            self.message_user(request, _("The registration request was approved."), messages.SUCCESS)
        return redirect("admin:accounts_registration_change", pk)

    def reject_one(self, request, pk: int):
        """«Отклонить» on the registration page itself: asks for the reason the client will read."""
        registration = self._decision_target(request, pk)
        form = RejectForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                services.registration_reject(
                    registration_id=registration.pk,
                    staff=request.user,
                    reason=form.cleaned_data["reason"],
                    origin=Origin.of(request),
                )
            except services.ServiceError as exc:
                self.message_user(request, exc.message, messages.WARNING)
            else:
                self.message_user(request, _("The registration request was rejected."), messages.SUCCESS)
            return redirect("admin:accounts_registration_change", pk)
        return TemplateResponse(
            request,
            "admin/accounts/registration/reject_one.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "registration": registration,
                "opts": self.model._meta,
                "title": _("Reject the registration request"),
            },
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(permissions=["change"], description=_("Approve the selected requests"))
    def approve(self, request, queryset):
        done = 0
        for registration in queryset:
            try:
                services.registration_approve(
                    registration_id=registration.pk, staff=request.user, origin=Origin.of(request)
                )
                done += 1
            except services.ServiceError as exc:
                self.message_user(request, f"{registration}: {exc.message}", messages.WARNING)
        if done:
            self.message_user(
                request, ngettext("%(n)d request approved.", "%(n)d requests approved.", done) % {"n": done}
            )

    @admin.action(permissions=["change"], description=_("Reject the selected requests…"))
    def reject(self, request, queryset):
        form = RejectForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            done = 0
            for registration in queryset:
                try:
                    services.registration_reject(
                        registration_id=registration.pk,
                        staff=request.user,
                        reason=form.cleaned_data["reason"],
                        origin=Origin.of(request),
                    )
                    done += 1
                except services.ServiceError as exc:
                    self.message_user(request, f"{registration}: {exc.message}", messages.WARNING)
            if done:
                self.message_user(
                    request, ngettext("%(n)d request rejected.", "%(n)d requests rejected.", done) % {"n": done}
                )
            return None
        return TemplateResponse(
            request,
            "admin/accounts/registration/reject.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "registrations": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
                "title": _("Reject the requests"),
            },
        )


add_waiting(
    Waiting(
        "clients",
        _("Registrations awaiting approval"),
        "accounts.registration",
        f"status__exact={Registration.Status.AWAITING_APPROVAL}",
        lambda: Registration.objects.filter(status=Registration.Status.AWAITING_APPROVAL).count(),
    )
)
