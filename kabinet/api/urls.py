from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from kabinet.api import client, views

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
    path("payments/<str:external_id>/unreverse/", views.PaymentUnreverse.as_view(), name="payment_unreverse"),
    path("penalties/", views.PenaltiesPost.as_view(), name="penalties"),
    path("adjustments/", views.AdjustmentsPost.as_view(), name="adjustments"),
    path("schedules/", views.SchedulesBulk.as_view(), name="schedules"),
    path("documents/", views.DocumentUpload.as_view(), name="documents"),
    path("documents/<int:pk>/signatures/", views.DocumentSignatures.as_view(), name="document_signatures"),
    path(
        "documents/<int:pk>/signatures/qualified/<int:signature_pk>/file/",
        views.DocumentQualifiedSignatureFile.as_view(),
        name="document_qualified_signature_file",
    ),
    path(
        "closing-documents/<str:external_id>/pdf/",
        views.ClosingDocumentFile.as_view(),
        {"which": "pdf"},
        name="closing_document_pdf",
    ),
    path(
        "closing-documents/<str:external_id>/xml/",
        views.ClosingDocumentFile.as_view(),
        {"which": "xml"},
        name="closing_document_xml",
    ),
    path("closing-documents/<str:external_id>/", views.ClosingDocumentPut.as_view(), name="closing_document"),
    path("events/", views.EventFeed.as_view(), name="events"),
    path("requests/<str:number>/status/", views.AppealStatus.as_view(), name="appeal_status"),
    path("registrations/<int:pk>/status/", views.RegistrationStatus.as_view(), name="registration_status"),
    # A client organization's own systems: read only, its organization only (kabinet.api.client).
    path("client/contracts/", client.ClientContracts.as_view(), name="client_contracts"),
    path("client/schedules/", client.ClientSchedules.as_view(), name="client_schedules"),
    path("client/debt/", client.ClientDebt.as_view(), name="client_debt"),
    path("client/documents/", client.ClientDocuments.as_view(), name="client_documents"),
    path(
        "client/documents/<int:pk>/download/",
        client.ClientDocumentDownload.as_view(),
        name="client_document_download",
    ),
    path("client/invoices/", client.ClientInvoices.as_view(), name="client_invoices"),
    path("client/invoices/<int:pk>/pdf/", client.ClientInvoicePdf.as_view(), name="client_invoice_pdf"),
    path("client/requests/", client.ClientRequests.as_view(), name="client_requests"),
    path("client/events/", client.ClientEvents.as_view(), name="client_events"),
    path("client/bank-accounts/", client.ClientBankAccounts.as_view(), name="client_bank_accounts"),
    path("client/reconciliations/", client.ClientReconciliations.as_view(), name="client_reconciliations"),
    path("client/reconciliations/<int:pk>/", client.ClientReconciliation.as_view(), name="client_reconciliation"),
]
