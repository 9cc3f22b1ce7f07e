from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from kabinet.contracts import selectors
from kabinet.contracts.forms import ContractFilterForm
from kabinet.contracts.models import Contract, LeasedItem, ScheduledPayment
from kabinet.core.models import get_object_for_org
from kabinet.core.views import org_required, page_numbers, paginate
from kabinet.creditors.models import Product
from kabinet.creditors.selectors import current_creditor, section_filter

CALENDAR_STEP = 10
CALENDAR_MAX = 200


def _shown(request) -> int:
    try:
        shown = int(request.GET.get("shown", CALENDAR_STEP))
    except ValueError:
        shown = CALENDAR_STEP
    return max(CALENDAR_STEP, min(CALENDAR_MAX, shown - shown % CALENDAR_STEP))


@org_required
def dashboard(request):
    """«Главная»: the payment calendar and, when there is any, the overdue debt."""
    creditor = section_filter(request)
    shown = _shown(request)
    # One row more than shown tells whether «Показать еще» has anything to show.
    payments = list(selectors.upcoming_payments(request.org, creditor)[: shown + 1])
    context = {
        "payments": payments[:shown],
        "has_more": len(payments) > shown,
        "next_shown": shown + CALENDAR_STEP,
        "section": "dashboard",
    }
    if request.htmx and request.GET.get("shown"):
        context["payments"] = payments[shown - CALENDAR_STEP : shown]
        return render(request, "contracts/dashboard.html#calendar-more", context)
    context.update(
        data_as_of=selectors.data_as_of(request.org),
        debt=selectors.overdue_debt(request.org, creditor),
    )
    return render(request, "contracts/dashboard.html", context)


@org_required
def contract_list(request):
    """«Договоры»: status, number, type, next payment, amount; filters, search, pages in the URL."""
    creditor = section_filter(request)
    products = Product.objects.filter(creditor=current_creditor(request))
    form = ContractFilterForm(request.GET or None, products=list(products))
    filters = form.filters() if request.GET else {"q": "", "product_id": None, "status": ""}
    contracts = selectors.contract_list(request.org, creditor, **filters)
    page = paginate(request, contracts)
    page.object_list = selectors.with_next_payment(request.org, list(page.object_list))
    context = {
        "form": form,
        "page": page,
        "page_numbers": page_numbers(page),
        "filtered": any(filters.values()),
        "section": "contracts",
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "contracts/contract_list.html#results", context)
    return render(request, "contracts/contract_list.html", context)


@org_required
def contract_detail(request, pk: int):
    """The contract card: main facts, leased items and the payment schedule."""
    contract = get_object_for_org(Contract.objects.select_related("product", "product__creditor"), request.org, pk=pk)
    items = LeasedItem.objects.for_org(request.org).filter(contract=contract).order_by("make", "model", "pk")
    schedule = ScheduledPayment.objects.for_org(request.org).filter(contract=contract).order_by("due_date", "number")
    context = {
        "contract": contract,
        "summary": selectors.contract_summary(contract),
        "items": items,
        "schedule": schedule,
        "today": timezone.localdate(),
        "section": "contracts",
    }
    return render(request, "contracts/contract_detail.html", context)
