from django.urls import path

from kabinet.contracts import views

app_name = "contracts"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("contracts/", views.contract_list, name="list"),
    path("contracts/<int:pk>/", views.contract_detail, name="detail"),
]
