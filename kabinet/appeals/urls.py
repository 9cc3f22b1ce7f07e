from django.urls import path

from kabinet.appeals import views

app_name = "appeals"

urlpatterns = [
    path("requests/", views.appeal_list, name="list"),
    path("requests/export.xlsx", views.appeal_list_xlsx, name="list_xlsx"),
    path("requests/new/", views.appeal_new, name="new"),
    path("requests/<int:pk>/", views.appeal_detail, name="detail"),
    path("requests/<int:pk>/withdraw/", views.appeal_withdraw, name="withdraw"),
    path("requests/<int:pk>/answer/", views.appeal_answer, name="answer"),
    path("requests/<int:pk>/template/", views.template_sign, name="template_sign"),
    path("contracts/<int:contract_id>/buyout-request/", views.buyout_request, name="buyout"),
    # A blank request template, linked from «Справочники» and the new-request form.
    path("reference/templates/<int:pk>/", views.template_download, name="template_download"),
]
