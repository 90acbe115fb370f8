"""POST /api/v1/auth/token/: trade an e-mail, a password and (where the account
has or needs one) a second-factor code for an expiring API token."""

import hashlib

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.second_factor import must_use_second_factor, uses_second_factor, verify_code
from accounts.services import clear_absence, issue_token, set_absence
from config.network import client_address

from .serializers import AbsenceSerializer, MfaRequiredSerializer, TokenRequestSerializer, TokenResponseSerializer


class ClientAddressThrottle(ScopedRateThrottle):
    def get_ident(self, request):
        # Not DRF's default, which believes any X-Forwarded-For a client sends.
        return client_address(request)


def _failure_keys(request, email: str) -> list[str]:
    digest = hashlib.sha256(email.lower().encode()).hexdigest()[:32]
    return [f"token-failures:ip:{client_address(request)}", f"token-failures:email:{digest}"]


def _count_failure(keys: list[str]) -> None:
    window = settings.BANSO_TOKEN_FAILURE_WINDOW
    for key in keys:
        cache.add(key, 0, timeout=window)
        cache.incr(key)


def _mfa_required(detail: str) -> Response:
    return Response(
        {"detail": detail, "mfa_required": True},
        status=status.HTTP_401_UNAUTHORIZED,
        headers={"WWW-Authenticate": 'Token realm="api"'},
    )


class ObtainTokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientAddressThrottle]
    throttle_scope = "auth_token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description="Bad credentials or missing fields"),
            401: OpenApiResponse(
                MfaRequiredSerializer,
                description="The account has or needs a second factor: `code` is missing or wrong, "
                "or the second factor must be activated on the pages first",
            ),
            429: OpenApiResponse(description="Too many failed attempts"),
        },
        tags=["auth"],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"].lower()
        keys = _failure_keys(request, email)
        window = settings.BANSO_TOKEN_FAILURE_WINDOW
        if any((cache.get(key) or 0) >= settings.BANSO_TOKEN_MAX_FAILURES for key in keys):
            return Response(
                {"detail": _("ログインの失敗が続いたため、しばらく待ってから再度お試しください。")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(window)},
            )
        user = authenticate(request, email=email, password=serializer.validated_data["password"])
        if user is None or not user.is_active:
            _count_failure(keys)
            return Response(
                {
                    "detail": _("メールアドレスまたはパスワードが正しくありません。"),
                    "errors": {"non_field_errors": [_("メールアドレスまたはパスワードが正しくありません。")]},
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        if uses_second_factor(user):
            code = serializer.validated_data.get("code", "")
            if not code:
                return _mfa_required(
                    _("2段階認証のコードが必要です。認証アプリの6桁のコードを code に入れて送ってください。")
                )
            if not verify_code(user, code):
                _count_failure(keys)
                return _mfa_required(
                    _("2段階認証のコードが正しくないか、使用済みです。新しいコードでやり直してください。")
                )
        elif must_use_second_factor(user):
            return _mfa_required(
                _("このアカウントは2段階認証が必須です。先にブラウザでログインし、認証アプリを設定してください。")
            )
        issued = issue_token(user=user)
        return Response(TokenResponseSerializer({"token": issued.key, "expires_at": issued.expires_at}).data)


def _absence_data(user) -> dict:
    from accounts.models import Absence, today

    absence = Absence.objects.filter(user=user).select_related("deputy").first()
    if absence is None:
        return {"starts_on": None, "ends_on": None, "deputy": None, "deputy_name": "", "away_now": False}
    return {
        "starts_on": absence.starts_on,
        "ends_on": absence.ends_on,
        "deputy": absence.deputy_id,
        "deputy_name": absence.deputy.display_name,
        "away_now": absence.covers(today()),
    }


class MyAbsenceView(APIView):
    """GET/PUT/DELETE /api/v1/auth/me/absence/: the caller's absence and deputy."""

    permission_classes = [IsAuthenticated]
    serializer_class = AbsenceSerializer

    @extend_schema(responses=AbsenceSerializer, summary="自分の不在と代理")
    def get(self, request):
        return Response(AbsenceSerializer(_absence_data(request.user)).data)

    @extend_schema(request=AbsenceSerializer, responses=AbsenceSerializer, summary="不在と代理を設定する")
    def put(self, request):
        serializer = AbsenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            set_absence(user=request.user, starts_on=data["starts_on"], ends_on=data["ends_on"], deputy=data["deputy"])
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from error
        return Response(AbsenceSerializer(_absence_data(request.user)).data)

    @extend_schema(request=None, responses={204: None}, summary="不在の設定を取り消す")
    def delete(self, request):
        clear_absence(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
