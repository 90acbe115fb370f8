from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(label=_("メールアドレス"))
    password = serializers.CharField(label=_("パスワード"), trim_whitespace=False, style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
