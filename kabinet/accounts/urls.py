from django.urls import path

from kabinet.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("login/second-factor/", views.second_factor, name="second_factor"),
    path("login/passkey/options/", views.passkey_signin_options, name="passkey_signin_options"),
    path("login/passkey/", views.passkey_signin, name="passkey_signin"),
    path("profile/passkeys/options/", views.passkey_register_options, name="passkey_register_options"),
    path("profile/passkeys/add/", views.passkey_register, name="passkey_register"),
    path("legal/<slug:kind>/", views.legal_document, name="legal"),
    path("consent/", views.consent, name="consent"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/complete/", views.password_reset_complete, name="password_reset_complete"),
    path("profile/", views.profile, name="profile"),
    path("profile/sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path("profile/sessions/end-others/", views.sessions_end_others, name="sessions_end_others"),
    path("profile/phone/", views.phone_confirm, name="phone_confirm"),
    path("profile/data/", views.personal_data_page, name="personal_data"),
    path("profile/data/export.json", views.personal_data_json, name="personal_data_json"),
    path("profile/data/export.pdf", views.personal_data_pdf, name="personal_data_pdf"),
    path("profile/data/consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("profile/data/delete/", views.personal_data_delete, name="personal_data_delete"),
    path("profile/phone/resend/", views.phone_resend, name="phone_resend"),
]
