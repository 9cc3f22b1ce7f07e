"""Pages of the electronic signature: the public verification page (no sign-in, read only), the members'
signing page (the document's pages as pictures, the signers, «Подписать» by an SMS code, «Отказаться от
подписания»), the download of the copy with a signing sheet, and the «Электронная подпись» tab of
«Настройки» (the creditors' agreements, «Право подписи»). Every organization-owned lookup is scoped."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kabinet.accounts.services import ServiceError
from kabinet.core.access import OrgRequest, get_object_for_org, org_required
from kabinet.core.net import Origin
from kabinet.organizations.models import Membership
from kabinet.signatures import exports, qualified_views, selectors, services
from kabinet.signatures.models import SignatureAgreement, SignatureCode, SignatureRequest
from kabinet.signatures.qualified_services import qualified_signatures_verified


class CodeForm(forms.Form):
    challenge = forms.IntegerField(widget=forms.HiddenInput)
    code = forms.CharField(
        label=gettext_lazy("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for refusal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Say why you refuse to sign.")},
    )


@require_GET
def verify(request: HttpRequest, public_id: str) -> HttpResponse:
    """The verification page behind the signing sheet's QR code: the document's name, its hash, each
    signature and the status, and a check of a file in the browser (its SHA-256 computed there, nothing
    uploaded). Found by its unguessable id only; writes nothing."""
    signature_request = get_object_or_404(
        SignatureRequest.objects.unscoped().select_related("document", "creditor"), public_id=public_id
    )
    response = render(
        request,
        "signatures/verify.html",
        {
            "signature_request": signature_request,
            "document": signature_request.document,
            "rows": exports.signing_sheet_rows(signature_request),
            "qualified_signatures": list(qualified_signatures_verified(signature_request.document)),
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@org_required
@require_GET
def signed_copy(request: OrgRequest, pk: int) -> HttpResponseBase:
    """«Скачать с листом подписания»: the original PDF with the signing sheet appended."""
    signature_request = get_object_for_org(SignatureRequest.objects.select_related("document"), request.org, pk=pk)
    try:
        content = exports.signed_copy_pdf(signature_request)
    except ServiceError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    stem = signature_request.document.original_name.rsplit(".", 1)[0] or "document"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"{stem} (с листом подписания).pdf")
    return response


@org_required
@require_GET
def to_sign(request: OrgRequest) -> HttpResponse:
    """The main page's «Документы на подпись» (loaded into the page by htmx, so the main page keeps its own
    query budget): nothing at all when there is nothing to sign, else a few rows and a link to the rest."""
    return render(request, "signatures/_dashboard.html", {"to_sign": selectors.dashboard_rows(request.org)})


# ---------------------------------------------------------------------------------------------
# The signing page


def _request_or_404(request: OrgRequest, pk: int) -> SignatureRequest:
    try:
        return selectors.request_for_org(request.org, pk)
    except SignatureRequest.DoesNotExist as exc:
        raise Http404 from exc


def _sign_page(
    request: OrgRequest,
    signature_request: SignatureRequest,
    *,
    code_form: CodeForm | None = None,
    refuse_form: RefuseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    try:
        services.may_sign_check(signature_request, request.user)
        blocked = ""
    except ServiceError as exc:
        blocked = exc.message
    if code_form is None and not blocked:
        challenge = request.GET.get("challenge", "")
        if (
            challenge.isdigit()
            and SignatureCode.objects.filter(
                request=signature_request, user=request.user, challenge_id=int(challenge)
            ).exists()
        ):
            code_form = CodeForm(initial={"challenge": int(challenge)})
    context = {
        "section": "documents",
        "signature_request": signature_request,
        "document": signature_request.document,
        "pages": range(exports.page_count(signature_request.document)),
        "rows": exports.signing_sheet_rows(signature_request),
        "refusal": selectors.refusal_of(signature_request),
        "blocked": blocked,
        "code_form": code_form,
        "refuse_form": refuse_form or RefuseForm(),
        "is_admin": bool(request.membership and request.membership.is_admin),
        # The qualified signature (КЭП): its records and «Подписать КЭП (файл .sig)», posted to its own page.
        **qualified_views.qualified_context(signature_request.document),
    }
    return render(request, "signatures/sign.html", context, status=status)


@org_required
@require_GET
def sign_page(request: OrgRequest, pk: int) -> HttpResponse:
    """A document «на подпись»: its pages, the signers and statuses, «Подписать», «Отказаться»."""
    return _sign_page(request, _request_or_404(request, pk))


@org_required
@require_GET
def page_image(request: OrgRequest, pk: int, number: int) -> HttpResponseBase:
    """One page of the document as a PNG (numbered from 1)."""
    signature_request = _request_or_404(request, pk)
    content = exports.page_png(signature_request.document, number - 1)
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@org_required
@require_POST
def send_code(request: OrgRequest, pk: int) -> HttpResponseBase:
    """«Подписать»: an SMS code to the signer's phone, then the page asks for it."""
    signature_request = _request_or_404(request, pk)
    try:
        challenge = services.signature_code_send(
            request=signature_request, actor=request.user, origin=Origin.of(request)
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("signatures:sign", args=[pk]))
    messages.success(request, _("The code was sent by SMS to %(phone)s.") % {"phone": request.user.phone_display})
    return HttpResponseRedirect(f"{reverse('signatures:sign', args=[pk])}?challenge={challenge.pk}#code")


@org_required
@require_POST
def sign(request: OrgRequest, pk: int) -> HttpResponseBase:
    """The code entered: the signature is recorded (or the error is said next to the field)."""
    signature_request = _request_or_404(request, pk)
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            services.signature_sign(
                request=signature_request,
                actor=request.user,
                challenge_id=form.cleaned_data["challenge"],
                code=form.cleaned_data["code"],
                origin=Origin.of(request),
            )
        except ServiceError as exc:
            form.add_error("code" if exc.field in ("code", None) else None, exc.message)
        else:
            messages.success(request, _("The document is signed."))
            return HttpResponseRedirect(reverse("signatures:sign", args=[pk]))
    return _sign_page(request, signature_request, code_form=form, status=400)


@org_required
@require_POST
def refuse(request: OrgRequest, pk: int) -> HttpResponseBase:
    """«Отказаться от подписания» with a reason."""
    signature_request = _request_or_404(request, pk)
    form = RefuseForm(request.POST)
    if form.is_valid():
        try:
            services.signature_refuse(
                request=signature_request,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                origin=Origin.of(request),
            )
        except ServiceError as exc:
            form.add_error("reason", exc.message)
        else:
            messages.success(request, _("You refused to sign the document."))
            return HttpResponseRedirect(reverse("signatures:sign", args=[pk]))
    return _sign_page(request, signature_request, refuse_form=form, status=400)


# ---------------------------------------------------------------------------------------------
# «Настройки» → «Электронная подпись»


@org_required
@require_GET
def settings_page(request: OrgRequest) -> HttpResponse:
    """The creditors' agreements on the simple electronic signature (version, accepted by whom and when)
    and who of the employees may sign."""
    rights = selectors.signer_membership_ids(request.org)
    members = [(m, m.pk in rights) for m in selectors.active_members(request.org)]
    agreements = selectors.creditor_agreements(request.org)
    return render(
        request,
        "signatures/settings.html",
        {
            "section": "settings",
            "org": request.org,
            "membership": request.membership,
            "agreements": agreements,
            "members": members,
            "any_accepted": any(a.acceptance for a in agreements),
            "any_signer": bool(rights),
        },
    )


@org_required
@require_POST
def agreement_accept(request: OrgRequest, pk: int) -> HttpResponseBase:
    """The administrator accepts the creditor's agreement in force."""
    creditors = selectors.creditors_of(request.org).values("pk")
    agreement = get_object_or_404(SignatureAgreement.objects.filter(creditor__in=creditors), pk=pk)
    if request.POST.get("agree") != "1":
        messages.error(request, _("Tick that you have read the agreement and accept it."))
    else:
        try:
            services.agreement_accept(
                org=request.org, actor=request.user, agreement=agreement, origin=Origin.of(request)
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The agreement is accepted."))
    return HttpResponseRedirect(reverse("signatures:settings"))


@org_required
@require_POST
def signing_right(request: OrgRequest, pk: int) -> HttpResponseBase:
    """Give or take «Право подписи» of an employee."""
    membership = get_object_for_org(Membership, request.org, pk=pk)
    allowed = request.POST.get("allowed") == "1"
    try:
        services.signing_right_set(
            org=request.org, actor=request.user, membership=membership, allowed=allowed, origin=Origin.of(request)
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        name = membership.user.full_name or membership.user.phone_display
        if allowed:
            messages.success(request, _("%(name)s may now sign for the organization.") % {"name": name})
        else:
            messages.success(request, _("%(name)s may no longer sign for the organization.") % {"name": name})
    return HttpResponseRedirect(reverse("signatures:settings"))
