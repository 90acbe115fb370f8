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


class AbsenceSerializer(serializers.Serializer):
    """The person's absence: from ``starts_on`` to ``ends_on`` (JST dates, both
    included) their notifications also reach ``deputy`` (a user id of the same office).
    Without an absence every field is null."""

    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    deputy = serializers.IntegerField(allow_null=True, help_text="代理の人の利用者ID")
    deputy_name = serializers.CharField(read_only=True, allow_blank=True)
    away_now = serializers.BooleanField(read_only=True, help_text="今日（日本時間）が不在の期間に入っているか")

    def validate(self, attrs):
        missing = {
            name: [_("この項目は必須です。")] for name in ("starts_on", "ends_on", "deputy") if attrs.get(name) is None
        }
        if missing:
            raise serializers.ValidationError(missing)
        return attrs
