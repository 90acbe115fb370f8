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


class RequestBoundsMiddleware:
    """Refuse, before anything reads it, a request no view could accept:

    * a body larger than anything the site accepts, from its Content-Length
      (413): at most ``BANSO_MAX_FILES_PER_REQUEST`` attachments of
      ``BANSO_ATTACHMENT_MAX_BYTES`` plus the form fields for a multipart upload,
      ``DATA_UPLOAD_MAX_MEMORY_SIZE`` for anything else (DRF's JSON parser reads
      the body without Django's own check of that limit);
    * a NUL character in the query string (400): no text in Banso holds one and
      PostgreSQL refuses it in a query (the serializers and forms already refuse
      it in bodies)."""

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def limit(content_type: str) -> int:
        from django.conf import settings

        fields = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440
        if content_type.startswith("multipart/"):
            return settings.BANSO_MAX_FILES_PER_REQUEST * settings.BANSO_ATTACHMENT_MAX_BYTES + fields
        return fields

    def __call__(self, request):
        from urllib.parse import unquote_plus

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.limit(request.META.get("CONTENT_TYPE", "")):
            return _refused(request, 413, _too_large_message())
        if "\x00" in unquote_plus(request.META.get("QUERY_STRING", "")):
            return _refused(request, 400, _nul_message())
        return self.get_response(request)


def _too_large_message() -> str:
    from django.utils.translation import gettext as _

    return _("送信されたデータが大きすぎます（添付ファイルの大きさと数の上限を確かめてください）")


def _nul_message() -> str:
    from django.utils.translation import gettext as _

    return _("URLの検索条件に使えない文字（NUL）が含まれています")


def _refused(request, status: int, message: str):
    from django.http import HttpResponse, JsonResponse

    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
