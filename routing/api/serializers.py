from rest_framework import serializers

from routing.models import LocalGovernment, Office, PolicyArea


class PolicyAreaSerializer(serializers.ModelSerializer):
    lead_ministries = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")

    class Meta:
        model = PolicyArea
        fields = ["slug", "name_ja", "name_en", "lead_ministry", "lead_ministries", "group", "default_route"]


class LocalGovernmentSerializer(serializers.ModelSerializer):
    prefecture = serializers.CharField(source="prefecture.name", read_only=True)
    prefecture_code = serializers.CharField(source="prefecture.code", read_only=True)

    class Meta:
        model = LocalGovernment
        fields = ["code", "name", "kana", "prefecture", "prefecture_code", "kind"]


class OfficeSerializer(serializers.ModelSerializer):
    ministry = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    ministry_name = serializers.CharField(source="ministry.name", read_only=True)
    system = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    prefectures = serializers.SerializerMethodField()

    class Meta:
        model = Office
        fields = [
            "slug",
            "name",
            "name_en",
            "kind",
            "ministry",
            "ministry_name",
            "system",
            "organisation",
            "prefectures",
        ]

    def get_prefectures(self, office: Office) -> list[str]:
        """JIS X 0401 codes of the prefectures the office covers (general matters first)."""
        rows = getattr(office, "current_jurisdictions", [])
        return list(dict.fromkeys(row.prefecture.code for row in rows))
