from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views

from kabinet.accounts.forms import PhoneLoginForm


class LoginView(auth_views.LoginView):
    form_class = PhoneLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.cleaned_data.get("remember_me"):
            self.request.session.set_expiry(settings.REMEMBER_ME_AGE)
        else:
            # Ends when the browser closes.
            self.request.session.set_expiry(0)
        return response


class LogoutView(auth_views.LogoutView):
    pass
