from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(label=_("メールアドレス"))
    password = serializers.CharField(label=_("パスワード"), trim_whitespace=False, style={"input_type": "password"})
    code = serializers.CharField(
        label=_("確認コード"),
        required=False,
        allow_blank=True,
        max_length=32,
        help_text=_("2段階認証を使うアカウントでは、認証アプリの6桁のコードかリカバリーコード"),
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True)


class MfaRequiredSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)
    mfa_required = serializers.BooleanField(read_only=True)
