from django.urls import path

from kabinet.web import views

app_name = "web"

urlpatterns = [
    path("reference/", views.reference, name="reference"),
]
