from django.urls import path

from kabinet.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("legal/<slug:kind>/", views.legal_document, name="legal"),
    path("consent/", views.consent, name="consent"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/complete/", views.password_reset_complete, name="password_reset_complete"),
    path("profile/", views.profile, name="profile"),
    path("profile/phone/", views.phone_confirm, name="phone_confirm"),
    path("profile/data/", views.personal_data_page, name="personal_data"),
    path("profile/data/export.json", views.personal_data_json, name="personal_data_json"),
    path("profile/data/export.pdf", views.personal_data_pdf, name="personal_data_pdf"),
    path("profile/data/consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("profile/data/delete/", views.personal_data_delete, name="personal_data_delete"),
    path("profile/phone/resend/", views.phone_resend, name="phone_resend"),
]
