from django.urls import path

from kabinet.documents import closing_views, views

app_name = "documents"

urlpatterns = [
    path("documents/", views.document_list, name="list"),
    path("documents/uploaded/", views.document_list, {"tab": "uploaded"}, name="uploaded"),
    path("documents/export.xlsx", views.document_list_xlsx, name="list_xlsx"),
    path("documents/uploaded/export.xlsx", views.document_list_xlsx, {"tab": "uploaded"}, name="uploaded_xlsx"),
    path("documents/upload/", views.upload, name="upload"),
    path("documents/contracts/", views.contract_suggestions, name="contract_suggestions"),
    path("documents/requests/", views.appeal_suggestions, name="appeal_suggestions"),
    path("documents/zip/", views.download_zip, name="zip"),
    path("documents/<int:pk>/download/", views.download, name="download"),
    path("documents/closing/", closing_views.closing_list, name="closing"),
    path("documents/closing/pack.zip", closing_views.closing_pack, name="closing_pack"),
    path("documents/closing/<int:pk>/pdf/", closing_views.closing_file, {"which": "pdf"}, name="closing_pdf"),
    path("documents/closing/<int:pk>/xml/", closing_views.closing_file, {"which": "xml"}, name="closing_xml"),
    # Two tabs of the contract card (kabinet.contracts.views draws the card around them).
    path(
        "contracts/<int:pk>/deal-documents/",
        views.contract_documents_tab,
        {"tab": "deal-documents"},
        name="contract_deal_documents",
    ),
    path(
        "contracts/<int:pk>/accounting-documents/",
        views.contract_documents_tab,
        {"tab": "accounting-documents"},
        name="contract_accounting_documents",
    ),
]
