from django.urls import path

from kabinet.creditors import views

app_name = "creditors"

urlpatterns = [
    path("section/<int:pk>/", views.switch_creditor, name="switch"),
    path("reference/", views.reference, name="reference"),
    path("reference/rules/<int:pk>/", views.rules_download, name="rules_download"),
    path("reference/templates/<int:pk>/", views.template_download, name="template_download"),
]
