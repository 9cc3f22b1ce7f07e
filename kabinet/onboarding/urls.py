"""The onboarding pages keep the URL names they had before the app was split off accounts and
organizations (`accounts:register`, `organizations:add`…): config/urls.py adds these lists to those two
namespaces."""

from django.urls import path

from kabinet.onboarding import views

# In the `accounts` namespace.
accounts_urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/companies/", views.company_suggestions, name="company_suggestions"),
    path("register/confirm/", views.register_confirm, name="register_confirm"),
    path("register/resend/", views.register_resend, name="register_resend"),
    path("register/done/", views.register_done, name="register_done"),
]

# In the `organizations` namespace.
organizations_urlpatterns = [
    path("organizations/add/", views.organization_add, name="add"),
]
