"""«Закрывающие документы»: the period's closing documents, their totals per VAT rate, the pack (ZIP with
the register) and each document's PDF and XML."""

from __future__ import annotations

from datetime import date

from django import forms
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from kabinet.contracts.models import ClosingDocument
from kabinet.core.access import OrgRequest, get_object_for_org, org_required
from kabinet.core.files import serve_private_file
from kabinet.core.views import page_numbers, paginate
from kabinet.creditors.selectors import section_filter
from kabinet.documents import closing

# A range longer than this is refused with a sentence (a pack of two years is two downloads).
MAX_DAYS = 400


class PeriodForm(forms.Form):
    """A month (the default: the last one), or any range of dates."""

    month = forms.CharField(
        label=gettext_lazy("Month"), required=False, widget=forms.DateInput(attrs={"type": "month"}), max_length=7
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_month(self) -> date | None:
        text = self.cleaned_data.get("month") or ""
        if not text:
            return None
        try:
            return date.fromisoformat(f"{text}-01")
        except ValueError as exc:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from exc

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start or end:
            if not (start and end):
                raise forms.ValidationError(_("Enter both dates of the period, or choose a month."))
            if start > end:
                self.add_error("date_to", _("The end of the period is before its start."))
            elif (end - start).days > MAX_DAYS:
                self.add_error("date_to", _("A period may be at most %(days)d days long.") % {"days": MAX_DAYS})
        return data

    def period(self) -> tuple[date, date]:
        """The chosen period; a bad one (with its error shown) falls back to the last month."""
        default = closing.previous_month(timezone.localdate())
        if not self.is_valid():
            return default
        data = self.cleaned_data
        if data.get("date_from") and data.get("date_to"):
            return data["date_from"], data["date_to"]
        if data.get("month"):
            return closing.month_bounds(data["month"])
        return default


def _period(request: OrgRequest) -> tuple[PeriodForm, date, date]:
    form = PeriodForm(request.GET or None, auto_id="closing-%s")
    start, end = form.period()
    if not request.GET:
        form = PeriodForm(initial={"month": f"{start:%Y-%m}"}, auto_id="closing-%s")
    return form, start, end


@org_required
@require_safe
def closing_list(request: OrgRequest) -> HttpResponse:
    """The list: a page of the period's documents (three queries and the totals' two, whatever the count)."""
    form, start, end = _period(request)
    creditor = section_filter(request)
    page = paginate(request, closing.closing_documents(request.org, start, end, creditor))
    totals = closing.closing_totals(request.org, start, end, creditor)
    rows = [
        {
            "document": d,
            "vat": [(rate, closing.vat_at(d, rate)) for rate, _vat in totals.vat_by_rate],
            "without_vat": d.amount - closing.document_vat(d),
        }
        for d in page.object_list
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "page_numbers": page_numbers(page),
        "totals": totals,
        "rate_label": closing.rate_label,
        "start": start,
        "end": end,
        "pack_query": request.GET.urlencode() if form.is_bound and form.is_valid() else f"month={start:%Y-%m}",
        "section": "closing",
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "documents/closing.html#results", context)
    return render(request, "documents/closing.html", context)


@org_required
@require_safe
def closing_pack(request: OrgRequest) -> HttpResponseBase:
    """«Скачать пакет»: one ZIP of the period's PDFs and XML with the register, streamed (a GET: reads only)."""
    _form, start, end = _period(request)
    response = StreamingHttpResponse(
        closing.pack_stream(request.org, start, end, section_filter(request)), content_type="application/zip"
    )
    filename = _("Closing documents %(start)s–%(end)s.zip") % {"start": f"{start:%d.%m.%Y}", "end": f"{end:%d.%m.%Y}"}
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@org_required
@require_safe
def closing_file(request: OrgRequest, pk: int, which: str) -> HttpResponseBase:
    """One document's PDF or XML: only for members of the owning organization."""
    document = get_object_for_org(ClosingDocument.objects.select_related("contract"), request.org, pk=pk)
    field = document.pdf if which == "pdf" else document.xml
    if not field.name:
        return render(request, "404.html", status=404)
    name = closing.pack_name(document, which).rsplit("/", 1)[-1]
    return serve_private_file(field, name, "application/pdf" if which == "pdf" else closing.XML_CONTENT_TYPE)
