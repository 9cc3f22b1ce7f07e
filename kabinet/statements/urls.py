from django.urls import path

from kabinet.statements import views

app_name = "statements"

urlpatterns = [
    path("statements/", views.statement, name="statement"),
    path("statements/sign/", views.statement_sign, name="sign"),
    path("statements/compare/", views.compare, name="compare"),
    path("statements/compare/<int:pk>/", views.compare_detail, name="compare_detail"),
]
