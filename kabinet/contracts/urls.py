from django.urls import path

from kabinet.contracts import calendar, views

app_name = "contracts"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("contracts/", views.contract_list, name="list"),
    path("contracts/export.xlsx", views.contract_list_xlsx, name="list_xlsx"),
    path("calendar/export.xlsx", views.calendar_xlsx, name="calendar_xlsx"),
    path("debt/export.xlsx", views.debt_xlsx, name="debt_xlsx"),
    path("calendar/", calendar.subscription, name="calendar_subscription"),
    path("calendar/new/", calendar.subscription_issue, name="calendar_issue"),
    path("calendar/revoke/", calendar.subscription_revoke, name="calendar_revoke"),
    path("calendar/<str:token>.ics", calendar.feed, name="calendar_feed"),
    path("contracts/<int:pk>/", views.contract_detail, name="detail"),
    path("contracts/<int:pk>/items/", views.contract_detail, {"tab": "items"}, name="items"),
    # «Документы по сделке» and «Бухгалтерские документы» are kabinet.documents.urls (a floor above).
    path("contracts/<int:pk>/insurance/", views.contract_detail, {"tab": "insurance"}, name="insurance"),
    path("contracts/<int:pk>/schedule.xlsx", views.schedule_xlsx, name="schedule_xlsx"),
    path("contracts/<int:pk>/schedule.ics", views.schedule_ics, name="schedule_ics"),
]
