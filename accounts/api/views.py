"""POST /api/v1/auth/token/: trade an e-mail and password for an API token."""

import hashlib

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.services import issue_token

from .serializers import TokenRequestSerializer, TokenResponseSerializer


def _failure_keys(request, email: str) -> list[str]:
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(email.lower().encode()).hexdigest()[:32]
    return [f"token-failures:ip:{address}", f"token-failures:email:{digest}"]


class ObtainTokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description="Bad credentials or missing fields"),
            429: OpenApiResponse(description="Too many failed attempts"),
        },
        tags=["auth"],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"]
        keys = _failure_keys(request, email)
        limit = settings.BANSO_TOKEN_MAX_FAILURES
        window = settings.BANSO_TOKEN_FAILURE_WINDOW
        if any((cache.get(key) or 0) >= limit for key in keys):
            return Response(
                {"detail": _("ログインの失敗が続いたため、しばらく待ってから再度お試しください。")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(window)},
            )
        user = authenticate(request, email=email.lower(), password=serializer.validated_data["password"])
        if user is None or not user.is_active:
            for key in keys:
                cache.add(key, 0, timeout=window)
                cache.incr(key)
            return Response(
                {
                    "detail": _("メールアドレスまたはパスワードが正しくありません。"),
                    "errors": {"non_field_errors": [_("メールアドレスまたはパスワードが正しくありません。")]},
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        token = issue_token(user=user)
        return Response({"token": token.key})
