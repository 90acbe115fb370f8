from rest_framework import serializers

from measures.models import Kind


class CatalogueQuery(serializers.Serializer):
    """The list's query parameters; a bad one is a 400 naming it."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    policy_area = serializers.SlugField(required=False, allow_blank=True, default="")
    ministry = serializers.SlugField(required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=Kind.choices, required=False, allow_blank=True, default="")
    open = serializers.BooleanField(required=False, default=False)
