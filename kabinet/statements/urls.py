from django.urls import path

from kabinet.statements import views

app_name = "statements"

urlpatterns = [
    path("statements/", views.statement, name="statement"),
]
