from django.urls import path

from kabinet.organizations import settings_views, views

app_name = "organizations"

urlpatterns = [
    path("organization/switch/", views.switch_organization, name="switch"),
    path("organizations/", views.organization_list, name="list"),
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/refresh/", settings_views.refresh_from_registry, name="refresh"),
    path("settings/accounts/add/", settings_views.account_add, name="account_add"),
    path("settings/accounts/<int:pk>/", settings_views.account_update, name="account_update"),
    path("settings/accounts/<int:pk>/remove/", settings_views.account_remove, name="account_remove"),
    path("settings/second-factor/", settings_views.second_factor, name="second_factor"),
    path("settings/confirm-password/", settings_views.confirm_password, name="confirm_password"),
    path("settings/employees/add/", settings_views.employee_add, name="employee_add"),
    path("settings/employees/<int:pk>/", settings_views.employee_update, name="employee_update"),
    path("settings/employees/<int:pk>/remove/", settings_views.employee_remove, name="employee_remove"),
    path("settings/employees/<int:pk>/join/", settings_views.join_request_decide, name="join_decide"),
    path("settings/invitations/<int:pk>/revoke/", settings_views.invitation_revoke, name="invitation_revoke"),
    path("settings/invitations/<int:pk>/resend/", settings_views.invitation_resend, name="invitation_resend"),
    path("settings/history/", settings_views.history, name="history"),
    path("settings/history/export.xlsx", settings_views.history_xlsx, name="history_xlsx"),
    path("invitation/<str:token>/", settings_views.invitation_accept, name="invitation"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:pk>/accept/", views.invitation_answer, {"answer": "accept"}, name="invitation_accept"),
    path("invitations/<int:pk>/decline/", views.invitation_answer, {"answer": "decline"}, name="invitation_decline"),
]
