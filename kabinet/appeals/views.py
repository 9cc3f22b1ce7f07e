from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.accounts.services import ServiceError
from kabinet.appeals import exports, selectors, services, template_signing
from kabinet.appeals.forms import AnswerForm, AppealFilterForm, AppealForm
from kabinet.appeals.models import ASKS_CLIENT, WITHDRAWABLE, Appeal, AppealKind
from kabinet.contracts.buyout import buyout_for
from kabinet.contracts.models import Contract
from kabinet.core.access import OrgRequest, get_object_for_org, org_required
from kabinet.core.files import serve_private_file
from kabinet.core.links import id_reverser
from kabinet.core.models import HeldUpload
from kabinet.core.net import Origin
from kabinet.core.views import paginate
from kabinet.creditors import header_cache
from kabinet.documents.held import KeptFiles
from kabinet.documents.models import Document


def _filtered_appeals(request: OrgRequest) -> tuple[AppealFilterForm, dict[str, Any], QuerySet[Appeal]]:
    """The list's filters from the URL, shared by the page and its Excel export."""
    creditor = request.creditor
    form = AppealFilterForm(request.GET or None, products=header_cache.products(creditor))
    filters = form.filters() if request.GET else {}
    return form, filters, selectors.appeal_list(request.org, **filters)


@org_required
def appeal_list(request: OrgRequest) -> HttpResponse:
    """«Заявки» (§6): type, number and topic, description, date and time, status; filters; «Показать еще»."""
    form, filters, appeals = _filtered_appeals(request)
    page = paginate(request, appeals)
    context = {
        "form": form,
        "page": page,
        "filtered": bool(filters),
        "section": "appeals",
        "appeal_url": id_reverser("appeals:detail"),  # the rows' links, the shape looked up once
    }
    if request.htmx and request.GET.get("more"):
        return render(request, "appeals/list.html#rows", context)
    if request.htmx and not request.htmx.boosted:
        return render(request, "appeals/list.html#results", context)
    return render(request, "appeals/list.html", context)


@org_required
def appeal_list_xlsx(request: OrgRequest) -> HttpResponseBase:
    """«Заявки» as Excel, with the filters of the page (a GET that writes nothing)."""
    return exports.appeal_list_xlsx(request.org, _filtered_appeals(request)[2])


def _form(
    request: OrgRequest, kind: str, data: QueryDict | None = None, files: MultiValueDict | None = None
) -> AppealForm:
    contracts = selectors.contracts_to_choose(request.org)
    topics = selectors.topics_to_choose(kind)
    initial = {}
    if kind == AppealKind.NEW_LEASING:
        initial = {"full_name": request.user.full_name, "phone": request.user.phone_display}
    for key in ("contract", "topic"):
        if request.GET.get(key):
            initial[key] = request.GET[key]
    if data is None and request.GET.get("refresh"):
        # The topic changed: the form is drawn again with what was typed, without errors.
        initial.update({k: v for k, v in request.GET.dict().items() if k not in ("kind", "refresh")})
    return AppealForm(data, files, kind=kind, contracts=contracts, topics=topics, initial=initial)


# The id of the dialog's body (templates/appeals/_modal.html); on its own page the form lives elsewhere.
DIALOG_TARGET = "appeal-modal-body"


@org_required
def appeal_new(request: OrgRequest) -> HttpResponse:
    """The forms of «Заявка на новый лизинг», «Обращение по договору», «Обращение по страхованию»; without a
    type, the choice of the three. In a dialog (htmx) or as a page."""
    kind = request.GET.get("kind", "")
    template = "appeals/new.html#dialog" if request.htmx else "appeals/new.html"
    if kind not in AppealKind.values:
        return render(request, template, {"choose": True, "kinds": AppealKind.choices, "section": "appeals"})
    kept_files = []
    if request.method == "POST":
        form = _form(request, kind, request.POST, request.FILES)
        kept = KeptFiles(request, form)
        if form.is_valid() & kept.check():
            data = form.cleaned_data
            try:
                appeal = services.appeal_create(
                    org=request.org,
                    user=request.user,
                    origin=Origin.of(request),
                    data=services.AppealInput(
                        kind=kind,
                        description=data["description"],
                        topic=form.topics.get(data.get("topic")),
                        contract=form.contracts.get(data.get("contract")),
                        full_name=data.get("full_name", ""),
                        phone=data.get("phone", ""),
                        data=data.get("extra", {}),
                        files=kept.files(data.get("files")),
                    ),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                kept.release()
                if request.htmx and request.htmx.target == DIALOG_TARGET:
                    response = render(request, "appeals/new.html#sent", {"appeal": appeal})
                    response["HX-Trigger"] = "appealCreated"
                    return response
                messages.success(request, _("Request %(number)s is sent.") % {"number": appeal.number})
                if request.htmx:
                    # The form on its own page: go to the request's card like a plain POST would.
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = reverse("appeals:detail", args=[appeal.pk])
                    return response
                return redirect("appeals:detail", pk=appeal.pk)
        status = 400
        # A browser never sends chosen files again: they are kept for this person (see documents.held).
        kept_files = kept.keep()
    else:
        form = _form(request, kind)
        status = 200
    return render(
        request,
        template,
        {
            "form": form,
            "kind": kind,
            "kind_label": AppealKind(kind).label,
            "kept_files": kept_files,
            "section": "appeals",
        },
        status=status,
    )


@org_required
def appeal_detail(request: OrgRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


def _detail_page(
    request: OrgRequest,
    pk: int,
    *,
    answer_form: AnswerForm | None = None,
    kept_files: Sequence[HeldUpload] = (),
    status: int = 200,
) -> HttpResponse:
    appeal = get_object_for_org(selectors.appeal_detail_queryset(), request.org, pk=pk)
    documents = selectors.appeal_documents(request.org, appeal)
    specs = {f.get("name"): f for f in (appeal.topic.extra_fields if appeal.topic else [])}
    comments = selectors.appeal_comments(request.org, appeal)
    staff_messages = [c for c in comments if c.from_staff]
    return render(
        request,
        "appeals/detail.html",
        {
            "appeal": appeal,
            "history": selectors.appeal_history(request.org, appeal),
            "comments": comments,
            # What the manager asked, shown right where the card asks for an answer.
            "staff_message": staff_messages[-1] if staff_messages else None,
            "client_files": [d for d in documents if d.direction == Document.Direction.UPLOADED],
            "answer_files": [d for d in documents if d.direction == Document.Direction.INCOMING],
            "fields": services.appeal_data_rows(appeal.data, specs),
            "can_withdraw": appeal.status in WITHDRAWABLE,
            "can_fill_template": template_signing.can_fill(appeal),
            "asks_client": appeal.status in ASKS_CLIENT,
            "answer_form": answer_form or AnswerForm(),
            "kept_files": kept_files,
            "section": "appeals",
        },
        status=status,
    )


@org_required
@require_POST
def appeal_withdraw(request: OrgRequest, pk: int) -> HttpResponse:
    appeal = get_object_for_org(Appeal, request.org, pk=pk)
    try:
        services.appeal_withdraw(org=request.org, user=request.user, appeal_id=appeal.pk, origin=Origin.of(request))
    except services.TransitionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The request is withdrawn."))
    return HttpResponseRedirect(reverse("appeals:detail", args=[appeal.pk]))


@org_required
@require_POST
def appeal_answer(request: OrgRequest, pk: int) -> HttpResponse:
    appeal = get_object_for_org(Appeal, request.org, pk=pk)
    form = AnswerForm(request.POST, request.FILES)
    kept = KeptFiles(request, form)
    if form.is_valid() & kept.check():
        try:
            services.appeal_client_answer(
                org=request.org,
                user=request.user,
                appeal_id=appeal.pk,
                body=form.cleaned_data["body"],
                files=kept.files(form.cleaned_data["files"]),
                origin=Origin.of(request),
            )
        except services.TransitionRefused as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            form.add_error("files", exc)
        else:
            kept.release()
            messages.success(request, _("The answer is sent."))
            return HttpResponseRedirect(reverse("appeals:detail", args=[appeal.pk]))
        if not form.errors:
            return HttpResponseRedirect(reverse("appeals:detail", args=[appeal.pk]))
    # The card again with what was typed, the errors in place and the chosen files kept.
    return _detail_page(request, appeal.pk, answer_form=form, kept_files=kept.keep(), status=400)


@org_required
@require_POST
def buyout_request(request: OrgRequest, contract_id: int) -> HttpResponse:
    """«Запросить досрочный выкуп» on the contract card: the value for the picked date goes with the request."""
    contract = get_object_for_org(Contract, request.org, pk=contract_id)
    raw = request.POST.get("buyout_on", "")
    answer = buyout_for(contract, raw, timezone.localdate())
    if answer is None:
        raise Http404
    if answer.quote is None:
        # Refused: back to the card, where the same rule shows the sentence next to the date.
        messages.error(request, answer.error)
        return redirect(f"{reverse('contracts:detail', args=[contract.pk])}?{urlencode({'buyout_on': raw})}")
    appeal = services.appeal_buyout_request(
        org=request.org, user=request.user, contract=contract, quote=answer.quote, origin=Origin.of(request)
    )
    messages.success(request, _("Request %(number)s is sent.") % {"number": appeal.number})
    return redirect("appeals:detail", pk=appeal.pk)


@org_required
def template_download(request: OrgRequest, pk: int) -> HttpResponseBase:
    topic = get_object_or_404(selectors.downloadable_templates(), pk=pk)
    name = (topic.template.name or "").rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1] if "." in name else "pdf"
    return serve_private_file(topic.template, f"{topic.name}.{extension}")


@org_required
def template_sign(request: OrgRequest, pk: int) -> HttpResponseBase:
    """«Заполнить и подписать в портале»: the request's template filled with its data and the client's text,
    attached to the request and put «на подпись» (then the signing page)."""
    appeal = get_object_for_org(selectors.appeal_detail_queryset(), request.org, pk=pk)
    if not template_signing.can_fill(appeal):
        raise Http404
    form = template_signing.TemplateFillForm(request.POST or None, initial={"text": appeal.description})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                signature_request = template_signing.template_fill_and_request(
                    appeal=appeal,
                    user=request.user,
                    text=form.cleaned_data["text"],
                    signer_position=form.cleaned_data["signer_position"],
                    origin=Origin.of(request),
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The filled template is attached to the request: now sign it."))
                return redirect("signatures:sign", signature_request.pk)
        status = 400
    return render(
        request, "appeals/template_sign.html", {"appeal": appeal, "form": form, "section": "appeals"}, status=status
    )
