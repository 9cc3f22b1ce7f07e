from django.urls import path

from kabinet.creditors import views

app_name = "creditors"

urlpatterns = [
    path("section/<int:pk>/", views.switch_creditor, name="switch"),
]
