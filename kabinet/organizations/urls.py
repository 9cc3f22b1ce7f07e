from django.urls import path

from kabinet.organizations import views

app_name = "organizations"

urlpatterns = [
    path("organization/switch/", views.switch_organization, name="switch"),
    path("organizations/", views.organization_list, name="list"),
    path("organizations/add/", views.organization_add, name="add"),
]
