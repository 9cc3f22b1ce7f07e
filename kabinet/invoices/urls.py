from django.urls import path

from kabinet.invoices import views

app_name = "invoices"

urlpatterns = [
    path("invoices/", views.invoice_list, name="list"),
    path("invoices/payment/<int:payment_id>/", views.payment_invoice, name="payment"),
    path("invoices/debt/<int:contract_id>/", views.debt_invoice, name="debt"),
    path("invoices/<int:pk>/", views.invoice_download, name="download"),
]
