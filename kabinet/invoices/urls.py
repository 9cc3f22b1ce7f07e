from django.urls import path

from kabinet.invoices import views

app_name = "invoices"

urlpatterns = [
    path("invoices/", views.invoice_list, name="list"),
    path("invoices/export.xlsx", views.invoice_list_xlsx, name="list_xlsx"),
    path("invoices/payment/<int:payment_id>/", views.payment_invoice, name="payment"),
    path("invoices/debt/<int:contract_id>/", views.debt_invoice, name="debt"),
    path("invoices/payment-orders/", views.payment_orders, name="payment_orders"),
    path("invoices/payment-orders/accounts/", views.payment_orders_accounts, name="payment_orders_accounts"),
    path("invoices/<int:pk>/", views.invoice_download, name="download"),
]
