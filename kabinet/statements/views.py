from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from kabinet.contracts import selectors as contract_selectors
from kabinet.core.access import OrgRequest, org_required
from kabinet.core.files import bytes_response
from kabinet.core.net import Origin
from kabinet.creditors import selectors as creditor_selectors
from kabinet.statements import services
from kabinet.statements.forms import StatementForm


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
    return render(request, "statements/statement.html", {"form": form, "section": "contracts"})
