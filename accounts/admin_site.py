"""The admin site: signed in through allauth's page (password, then the second
factor), and open to the secretariat only, whatever ``is_staff`` says."""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


class BansoAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        from .models import Role
        from .second_factor import second_factor_missing

        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and getattr(user, "role", None) == Role.SECRETARIAT
            and not second_factor_missing(user)
        )

    def login(self, request, extra_context=None):
        # One door for everybody: allauth's sign-in, with its rate limit and second factor.
        if request.user.is_authenticated:
            # Signed in but not allowed here: sending them to sign in again would loop.
            raise PermissionDenied
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index", current_app=self.name)
        return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': target})}")


class BansoAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.BansoAdminSite"
