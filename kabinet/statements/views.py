"""«Акт сверки»: the statement of the organization's settlements as PDF or XLSX, from the ledger."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from kabinet.accounts.services import ServiceError
from kabinet.contracts import selectors as contract_selectors
from kabinet.core.access import OrgRequest, get_object_for_org, org_required
from kabinet.core.files import bytes_response
from kabinet.core.net import Origin
from kabinet.core.views import page_numbers, paginate
from kabinet.creditors import selectors as creditor_selectors
from kabinet.statements import client_data, reconciliation, services
from kabinet.statements.forms import ColumnsForm, ReconciliationUploadForm, StatementForm
from kabinet.statements.models import Reconciliation


@org_required
@require_http_methods(["GET", "HEAD", "POST"])
def statement(request: OrgRequest) -> HttpResponse:
    """«Акт сверки взаимных расчётов», self-service: GET shows the form (and writes nothing); POST builds
    the PDF or XLSX from the ledger, records the request in the history and hands the file over."""
    if request.method == "POST":
        form = StatementForm(request.POST, org=request.org)
        if form.is_valid():
            data = form.cleaned_data
            contract = data["contract"]
            if contract is not None:
                creditor = contract.product.creditor
            else:
                section = request.creditor
                creditor = creditor_selectors.creditor(section.pk) if section else None
            if creditor is not None:
                try:
                    content, filename, content_type = services.statement_request(
                        org=request.org,
                        actor=request.user,
                        creditor=creditor,
                        start=data["date_from"],
                        end=data["date_to"],
                        contract=contract,
                        fmt=data["format"],
                        origin=Origin.of(request),
                    )
                except services.StatementTooLarge as too_large:
                    form.add_error(
                        None,
                        ngettext(
                            "The statement has %(rows)s entry: too many for a PDF. Choose a contract or a "
                            "shorter period, or download it as Excel.",
                            "The statement has %(rows)s entries: too many for a PDF. Choose a contract or a "
                            "shorter period, or download it as Excel.",
                            too_large.rows,
                        )
                        % {"rows": too_large.rows},
                    )
                else:
                    return bytes_response(content, filename, content_type)
    else:
        # From a contract card: `?contract=<id>` picks the contract (another organization's is a 404).
        contract_id = request.GET.get("contract", "")
        contract = contract_selectors.contract_label(request.org, int(contract_id)) if contract_id.isdigit() else None
        form = StatementForm(initial=StatementForm.initial_for(contract), org=request.org)
    # The page's script fetches the file and asks for the form alone when the answer is not a file.
    template = "statements/statement.html"
    if request.method == "POST" and request.headers.get("X-Download-Form"):
        template += "#form"
    return render(request, template, {"form": form, "section": "contracts"})


@org_required
@require_http_methods(["POST"])
def statement_sign(request: OrgRequest) -> HttpResponse:
    """«Подписать и отправить лизингодателю»: the акт for the chosen period (and contract) kept as the
    organization's document and put «на подпись» for this user; then the signing page. What stops it
    (no right to sign, the agreement not accepted, a period too long for a PDF) is told on the form."""
    form = StatementForm(request.POST, org=request.org)
    if form.is_valid():
        data = form.cleaned_data
        creditor = _creditor(request, data["contract"])
        if creditor is None:
            form.add_error("contract", _("Choose the contract whose creditor the statement is sent to."))
        else:
            try:
                signing = services.statement_sign_request(
                    org=request.org,
                    actor=request.user,
                    creditor=creditor,
                    start=data["date_from"],
                    end=data["date_to"],
                    contract=data["contract"],
                    origin=Origin.of(request),
                )
            except ServiceError as error:
                form.add_error(None, error.message)
            except services.StatementTooLarge as too_large:
                form.add_error(
                    None,
                    ngettext(
                        "The statement has %(rows)s entry: too many for a PDF. Choose a contract or a "
                        "shorter period, or download it as Excel.",
                        "The statement has %(rows)s entries: too many for a PDF. Choose a contract or a "
                        "shorter period, or download it as Excel.",
                        too_large.rows,
                    )
                    % {"rows": too_large.rows},
                )
            else:
                return redirect("signatures:sign", signing.pk)
    return render(request, "statements/statement.html", {"form": form, "section": "contracts"}, status=400)


def _creditor(request: OrgRequest, contract):
    """The creditor whose books the client's data is compared with: the contract's, or the section's."""
    if contract is not None:
        return contract.product.creditor
    section = request.creditor
    return creditor_selectors.creditor(section.pk) if section else None


@org_required
@require_http_methods(["GET", "HEAD", "POST"])
def compare(request: OrgRequest) -> HttpResponse:
    """«Сверка с вашими данными»: GET shows the upload form and the earlier comparisons (writes nothing);
    POST reads the client's file into its table and guessed columns and goes to the columns step. A file
    that cannot be read is told in a sentence next to the field and nothing is kept."""
    if request.method == "POST":
        form = ReconciliationUploadForm(request.POST, request.FILES, org=request.org)
        if form.is_valid():
            data = form.cleaned_data
            try:
                upload = reconciliation.reconciliation_upload(
                    org=request.org,
                    actor=request.user,
                    creditor=_creditor(request, data["contract"]),
                    contract=data["contract"],
                    start=data["date_from"],
                    end=data["date_to"],
                    uploaded=data["file"],
                    origin=Origin.of(request),
                )
            except client_data.ClientDataError as error:
                form.add_error("file", str(error))
            else:
                return redirect("statements:compare_detail", upload.pk)
        status = 400
    else:
        contract_id = request.GET.get("contract", "")
        contract = contract_selectors.contract_label(request.org, int(contract_id)) if contract_id.isdigit() else None
        form = ReconciliationUploadForm(initial=StatementForm.initial_for(contract), org=request.org)
        status = 200
    uploads = Reconciliation.objects.for_org(request.org).select_related("contract").order_by("-created_at", "-pk")
    page = paginate(request, uploads)
    context = {"form": form, "page": page, "page_numbers": page_numbers(page), "section": "contracts"}
    return render(request, "statements/compare.html", context, status=status)


def _columns_form(upload: Reconciliation, data=None) -> ColumnsForm:
    roles = {role: client_data.role_label(role) for role in client_data.ROLES}
    initial = {role: upload.mapping.get(role) for role in roles}
    return ColumnsForm(data, header=upload.table.get("header", []), roles=roles, initial=initial)


@org_required
@require_http_methods(["GET", "HEAD", "POST"])
def compare_detail(request: OrgRequest, pk: int) -> HttpResponse:
    """One upload: the columns step (until compared, or with `?columns=1`), then the comparison line by
    line. GET only reads the stored result; POST with the columns compares and stores it."""
    upload = get_object_for_org(Reconciliation.objects.select_related("contract", "creditor"), request.org, pk=pk)
    status = 200
    if request.method == "POST":
        form = _columns_form(upload, request.POST)
        if form.is_valid():
            try:
                reconciliation.reconciliation_compare(
                    org=request.org,
                    reconciliation=upload,
                    mapping=form.mapping(),
                    actor=request.user,
                    origin=Origin.of(request),
                )
            except client_data.ClientDataError as error:
                form.add_error(None, str(error))
            else:
                return redirect("statements:compare_detail", upload.pk)
        status = 400
    elif upload.status == Reconciliation.Status.COMPARED and not request.GET.get("columns"):
        return render(
            request,
            "statements/compare_result.html",
            {"upload": upload, "result": upload.result, "section": "contracts"},
        )
    else:
        form = _columns_form(upload)
    rows = upload.table.get("rows", [])[:12]
    context = {"upload": upload, "form": form, "preview": rows, "section": "contracts"}
    return render(request, "statements/compare_columns.html", context, status=status)
