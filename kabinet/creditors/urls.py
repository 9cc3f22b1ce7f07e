from django.urls import path

from kabinet.creditors import views

app_name = "creditors"

urlpatterns = [
    path("section/<int:pk>/", views.switch_creditor, name="switch"),
    # «Справочники» itself is kabinet.web (it shows the appeals' request templates too).
    path("reference/rules/<int:pk>/", views.rules_download, name="rules_download"),
]
