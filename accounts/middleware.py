"""A role that must use a second factor goes nowhere else until it has one."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve

from .second_factor import second_factor_missing, setup_required_answer

# The pages that set the second factor up (allauth asks for the password again
# first when the sign-in is not recent), signing out, and the language switch.
ALLOWED_URL_NAMES = frozenset(
    {"mfa_activate_totp", "account_reauthenticate", "account_logout", "set_language", "javascript-catalog"}
)
# Set on the request for the set-up page to say why the person is there.
REQUIRED_ATTRIBUTE = "banso_second_factor_required"


def _allowed(path: str) -> bool:
    if path.startswith(settings.STATIC_URL):
        return True
    try:
        return resolve(path).url_name in ALLOWED_URL_NAMES
    except Resolver404:
        return False


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Token calls to the API have no session user here; their
        # authentication (accounts.authentication) refuses them instead.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and second_factor_missing(user):
            setattr(request, REQUIRED_ATTRIBUTE, True)
            if not _allowed(request.path_info):
                if request.path_info.startswith("/api/"):
                    return JsonResponse(setup_required_answer(), status=403)
                return redirect("mfa_activate_totp")
        return self.get_response(request)
