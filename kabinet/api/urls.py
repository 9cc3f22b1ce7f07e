from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from kabinet.api import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from a URL: no inline script under the CSP.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    path("creditors/<str:external_id>/", views.CreditorUpsert.as_view(), name="creditor"),
    path("products/<str:external_id>/", views.ProductUpsert.as_view(), name="product"),
    path("organizations/<str:external_id>/", views.OrganizationUpsert.as_view(), name="organization"),
    path("contracts/<str:external_id>/", views.ContractUpsert.as_view(), name="contract"),
    path("contracts/<str:external_id>/schedule/", views.ScheduleReplace.as_view(), name="schedule"),
    path("contracts/<str:external_id>/debt/", views.DebtPut.as_view(), name="debt"),
    path("contracts/<str:external_id>/buyout/", views.BuyoutPut.as_view(), name="buyout"),
    path("leased-items/<str:external_id>/", views.LeasedItemUpsert.as_view(), name="leased_item"),
    path("insurance-policies/<str:external_id>/", views.InsurancePolicyUpsert.as_view(), name="insurance"),
    path("payments/", views.PaymentsReceived.as_view(), name="payments"),
    path("payments/<str:external_id>/reversal/", views.PaymentReversal.as_view(), name="payment_reversal"),
    path("penalties/", views.PenaltiesPost.as_view(), name="penalties"),
    path("adjustments/", views.AdjustmentsPost.as_view(), name="adjustments"),
    path("schedules/", views.SchedulesBulk.as_view(), name="schedules"),
    path("documents/", views.DocumentUpload.as_view(), name="documents"),
    path("events/", views.EventFeed.as_view(), name="events"),
    path("requests/<str:number>/status/", views.AppealStatus.as_view(), name="appeal_status"),
    path("registrations/<int:pk>/status/", views.RegistrationStatus.as_view(), name="registration_status"),
]
