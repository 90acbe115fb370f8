"""Page middleware that API calls signed with a token do without.

An ``Authorization: Token`` call to ``/api/`` carries no session cookie and
gets no flash messages: loading a session, a lazy user and a message store for
it is work thrown away on every call. Pages and session-authenticated API calls
go through the middleware as usual.
"""

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware


def is_token_api_call(request) -> bool:
    return request.path_info.startswith("/api/") and request.META.get("HTTP_AUTHORIZATION", "").startswith("Token ")


class _PagesOnly:
    # Sync only: under ASGI, Django adapts it like any sync middleware.
    async_capable = False

    def __call__(self, request):
        if is_token_api_call(request):
            return self.get_response(request)
        return super().__call__(request)


class PageSessionMiddleware(_PagesOnly, SessionMiddleware):
    pass


class PageAuthenticationMiddleware(_PagesOnly, AuthenticationMiddleware):
    pass


class PageMessageMiddleware(_PagesOnly, MessageMiddleware):
    pass
