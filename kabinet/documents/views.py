from __future__ import annotations

import re
from itertools import groupby
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page
from django.db.models import QuerySet, Sum
from django.http import Http404, HttpResponse, HttpResponseBase, HttpResponseRedirect, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.contracts.views import card_context, card_contract, card_response
from kabinet.core.access import OrgRequest, get_object_for_org, org_required
from kabinet.core.files import serve_private_file
from kabinet.core.keyset import KeysetPage, keyset_page
from kabinet.core.links import reverse_id
from kabinet.core.net import Origin
from kabinet.core.views import CappedPaginator, page_numbers, paginate
from kabinet.creditors import header_cache
from kabinet.creditors.models import Product
from kabinet.documents import exports, selectors, services
from kabinet.documents.forms import ContractDocumentFilterForm, DocumentFilterForm, UploadForm
from kabinet.documents.held import KeptFiles
from kabinet.documents.models import Document

TABS = {"incoming": Document.Direction.INCOMING, "uploaded": Document.Direction.UPLOADED}


# Counting stops here: «более 1 000» instead of an exact COUNT(*) of a big search result.
COUNT_CAP = 1000


def _filter_form(
    request: OrgRequest,
    direction: str,
    data: QueryDict | dict[str, str] | None = None,
    *,
    fragment: bool = False,
) -> DocumentFilterForm:
    data = data if data is not None else (request.GET or None)
    if fragment:
        # The results fragment renders no filter: the choices are not read, whatever was asked is
        # taken as it is (the filters apply inside the organization's documents anyway).
        wanted = data or {}
        return DocumentFilterForm(
            data,
            products=[Product(pk=int(v)) for v in [wanted.get("product", "")] if v.isdigit()],
            types=[wanted.get("doc_type", "")] if wanted.get("doc_type") else [],
        )
    creditor = request.creditor
    return DocumentFilterForm(
        data,
        products=header_cache.products(creditor),
        types=selectors.document_types(request.org, direction),
    )


def _document_filters(request: OrgRequest, tab: str) -> tuple[DocumentFilterForm, dict[str, Any], str]:
    """The list's filters and order from the URL, shared by the page and its Excel export."""
    direction = TABS[tab]
    fragment = bool(request.htmx) and not request.htmx.boosted
    form = _filter_form(request, direction, fragment=fragment)
    filters = form.filters() if request.GET else {}
    sort = form.sort_value() if request.GET else "-date"
    return form, filters, sort


def _filtered_documents(request: OrgRequest, tab: str) -> QuerySet[Document]:
    _form, filters, sort = _document_filters(request, tab)
    return selectors.document_list(request.org, direction=TABS[tab], sort=sort, **filters)


# A number no row has: a URL reversed with it once per page gives the shape of every row's URL.
_STAND_IN = 7306419852


def _url_shape(name: str) -> tuple[str, str]:
    head, _found, tail = reverse_id(name, _STAND_IN).partition(str(_STAND_IN))
    return head, tail


def _rows(org, rows) -> list[selectors.DocumentRow]:
    """The page's rows with their latest signature request, their links (each URL reversed once for the
    page, not once per row) and their date as the page prints it (`d.m.Y`)."""
    rows = selectors.with_signature_statuses(org, list(rows))
    download, contract, sign = _url_shape("documents:download"), _url_shape("contracts:detail"), None
    for row in rows:
        row.download_url = f"{download[0]}{row.pk}{download[1]}"
        if row.contract_id is not None:
            row.contract_url = f"{contract[0]}{row.contract_id}{contract[1]}"
        if row.signature_request_pk is not None:
            sign = sign or _url_shape("signatures:sign")
            row.sign_url = f"{sign[0]}{row.signature_request_pk}{sign[1]}"
        day = row.document_date
        row.date_text = f"{day.day:02d}.{day.month:02d}.{day.year:04d}"
    return rows


class _PlainPaginator(CappedPaginator):
    """The unfiltered list's pages (`selectors.PlainDocumentRows`), counted as `CappedPaginator` counts."""

    @cached_property
    def count(self) -> int:
        found = cast(selectors.PlainDocumentRows, self.object_list).count()
        self.capped = found > self.cap
        return min(found, self.cap)


@org_required
def document_list(request: OrgRequest, tab: str = "incoming") -> HttpResponse:
    """«Документы»: «Входящие» and «Загруженные», filters, search, sort, pages — all in the URL."""
    form, filters, sort = _document_filters(request, tab)
    direction = TABS[tab]
    fragment = request.htmx and not request.htmx.boosted
    page: Page | KeysetPage
    if filters.get("q"):
        # A word search is not counted: its pages are keyset «Показать еще» pages by (date, id), each
        # as cheap as the rows it shows however many documents match.
        after = request.GET.get("after", "")
        if filters.keys() == {"q"}:
            # The words alone (the header's search leads here): a query compiled once per thread and shape.
            page = selectors.word_search_page(
                request.org,
                direction=direction,
                q=filters["q"],
                sort=sort,
                after=after,
                limit=settings.KABINET_PAGE_SIZE,
            )
        else:
            documents = selectors.document_list(request.org, direction=direction, sort=sort, **filters)
            page = keyset_page(
                selectors.document_rows(documents),
                "document_date",
                after=after,
                limit=settings.KABINET_PAGE_SIZE,
                descending=sort != "date",
            )
        numbers: list[int | None] = []
    elif filters:
        documents = selectors.document_list(request.org, direction=direction, sort=sort, **filters)
        page = paginate(request, selectors.document_rows(documents), cap=COUNT_CAP)
        numbers = page_numbers(page)
    else:
        plain = selectors.PlainDocumentRows(request.org, direction=direction, sort=sort, cap=COUNT_CAP)
        page = _PlainPaginator(plain, settings.KABINET_PAGE_SIZE, cap=COUNT_CAP).get_page(request.GET.get("page"))
        numbers = page_numbers(page)
    page.object_list = _rows(request.org, page.object_list)
    context = {
        "tab": tab,
        "form": form,
        "page": page,
        "page_numbers": numbers,
        "filtered": bool(filters),
        "sort": sort,
        "selecting": request.GET.get("select") == "1",
        "section": "documents",
        "upload_form": UploadForm(org=request.org) if tab == "uploaded" else None,
        "zip_max": settings.DOCUMENT_ZIP_MAX_FILES,
    }
    if fragment and isinstance(page, KeysetPage) and page.after:
        return render(request, "documents/list.html#documents_more", context)
    if fragment:
        return render(request, "documents/list.html#results", context)
    return render(request, "documents/list.html", context)


@org_required
def document_list_xlsx(request: OrgRequest, tab: str = "incoming") -> HttpResponseBase:
    """«Документы» («Входящие» or «Загруженные») as Excel, with the filters of the page."""
    return exports.document_list_xlsx(request.org, _filtered_documents(request, tab), incoming=tab == "incoming")


@org_required
@require_POST
def upload(request: OrgRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES, org=request.org)
    kept = KeptFiles(request, form)
    if form.is_valid() & kept.check():
        data = services.UploadInput(
            doc_type=form.cleaned_data["doc_type"],
            contract=form.cleaned_data["contract"],
            appeal=form.cleaned_data["appeal"],
        )
        documents = services.documents_upload(
            org=request.org,
            user=request.user,
            files=kept.files(form.cleaned_data["files"]),
            data=data,
            origin=Origin.of(request),
        )
        kept.release()
        messages.success(request, _("Files sent: %(n)d.") % {"n": len(documents)})
        return HttpResponseRedirect(reverse("documents:uploaded"))
    direction = Document.Direction.UPLOADED
    filter_form = _filter_form(request, direction, data={})
    page = paginate(
        request, selectors.document_rows(selectors.document_list(request.org, direction=direction)), cap=COUNT_CAP
    )
    page.object_list = _rows(request.org, page.object_list)
    return render(
        request,
        "documents/list.html",
        {
            "tab": "uploaded",
            "form": filter_form,
            "page": page,
            "page_numbers": page_numbers(page),
            "filtered": False,
            "sort": "-date",
            "selecting": False,
            "section": "documents",
            "upload_form": form,
            "kept_files": kept.keep(),
            "zip_max": settings.DOCUMENT_ZIP_MAX_FILES,
        },
        status=400,
    )


@org_required
@require_POST
def download_zip(request: OrgRequest) -> HttpResponseBase:
    """«Выбрать документы» → one ZIP of the ticked documents, or of everything the filter matches."""
    tab = request.POST.get("tab", "incoming")
    if tab not in TABS:
        raise Http404
    if request.POST.get("all") == "1":
        form = _filter_form(request, TABS[tab], data=request.POST)
        documents = selectors.document_list(request.org, direction=TABS[tab], **form.filters())
    else:
        try:
            ids = {int(v) for v in request.POST.getlist("ids")}
        except ValueError as exc:
            raise Http404 from exc
        documents = selectors.documents_by_ids(request.org, ids)
        # A foreign or unknown id is a 404 for the whole request, like any other URL.
        if not ids or documents.count() != len(ids):
            raise Http404
    summary = documents.aggregate(total=Sum("size"))
    chosen = list(documents.defer("text", "search_vector")[: settings.DOCUMENT_ZIP_MAX_FILES + 1])
    too_many = len(chosen) > settings.DOCUMENT_ZIP_MAX_FILES
    if too_many or (summary["total"] or 0) > settings.DOCUMENT_ZIP_MAX_BYTES:
        messages.error(
            request,
            _("At most %(n)d documents and %(gb)d GB can be downloaded at once. Narrow the filter or choose fewer.")
            % {"n": settings.DOCUMENT_ZIP_MAX_FILES, "gb": settings.DOCUMENT_ZIP_MAX_BYTES // 2**30},
        )
        return HttpResponseRedirect(reverse("documents:list" if tab == "incoming" else "documents:uploaded"))
    response = StreamingHttpResponse(services.zip_stream(chosen), content_type="application/zip")
    filename = _("Documents %(date)s.zip") % {"date": timezone.localdate().strftime("%d.%m.%Y")}
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@org_required
def contract_suggestions(request: OrgRequest) -> HttpResponse:
    """The contract picker's list (htmx): up to ten contracts whose number contains what was typed."""
    text = request.GET.get("contract", "")
    options = [
        (c.number, _("from %(date)s") % {"date": f"{c.start_date:%d.%m.%Y}"} if c.start_date else "")
        for c in selectors.contract_suggestions(request.org, text)
    ]
    return _suggestions(request, options, text, _("Contracts found"), _("No contract with such a number."))


@org_required
def appeal_suggestions(request: OrgRequest) -> HttpResponse:
    """The request picker's list (htmx): the latest ten requests whose number contains what was typed."""
    text = request.GET.get("appeal", "")
    options = [
        (a.number, _("from %(date)s") % {"date": f"{timezone.localtime(a.created_at):%d.%m.%Y}"})
        for a in selectors.appeal_suggestions(request.org, text)
    ]
    return _suggestions(request, options, text, _("Requests found"), _("No request with such a number."))


def _suggestions(request: OrgRequest, options: list[tuple[str, str]], text: str, found: str, none: str) -> HttpResponse:
    return render(
        request,
        "documents/_suggestions.html",
        {
            "options": options,
            "query": text.strip(),
            "found": found,
            "nothing_found": none,
            "list_id": re.sub(r"[^a-z-]", "", request.GET.get("list", ""))[:40] or "picker-list",
        },
    )


@org_required
def download(request: OrgRequest, pk: int) -> HttpResponseBase:
    """«скачать»: only for members of the owning organization; media has no public URL."""
    document = get_object_for_org(Document, request.org, pk=pk)
    return serve_private_file(document.file, document.original_name, document.content_type)


CONTRACT_TABS = {"deal-documents": Document.Category.DEAL, "accounting-documents": Document.Category.ACCOUNTING}


@org_required
def contract_documents_tab(request: OrgRequest, pk: int, tab: str) -> HttpResponse:
    """The contract card's «Документы по сделке» / «Бухгалтерские документы»: filters, grouped by type."""
    contract = card_contract(request, pk)
    context = card_context(request, contract, tab)
    category = CONTRACT_TABS[tab]
    form = ContractDocumentFilterForm(
        request.GET or None, types=selectors.contract_document_types(request.org, contract, category)
    )
    filters = form.filters()
    documents = list(selectors.contract_documents(request.org, contract, category=category, **filters))
    context.update(
        form=form,
        filtered=any(filters.values()),
        groups=[(t, list(g)) for t, g in groupby(documents, key=lambda d: d.doc_type)],
    )
    return card_response(request, contract, context)
