from django.urls import path

from kabinet.documents import views

app_name = "documents"

urlpatterns = [
    path("documents/<int:pk>/download/", views.download, name="download"),
]
