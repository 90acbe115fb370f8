"""The measures API shapes (API.md): ``{id, name, ministry, policy_areas, kind,
summary, windows [{opens_on, closes_on}], kpis [{name, target, unit,
target_year}], source, url}``, with a few more fields beside them."""

from rest_framework import serializers

from measures.models import Introduction, Kpi, Measure, Milestone, Window


class WindowSerializer(serializers.ModelSerializer):
    class Meta:
        model = Window
        fields = ["opens_on", "closes_on", "fiscal_year", "note"]


class KpiSerializer(serializers.ModelSerializer):
    class Meta:
        model = Kpi
        fields = ["name", "target", "unit", "target_year", "latest_value", "latest_as_of", "source"]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["fiscal_year", "description"]


class MeasureSerializer(serializers.ModelSerializer):
    ministry = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    ministry_name = serializers.CharField(source="ministry.name", read_only=True)
    office = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    policy_areas = serializers.SlugRelatedField(many=True, slug_field="slug", read_only=True)
    # Plain text in the schema (the values are listed in help_text): "kind" is a
    # choice field elsewhere too, and one enum name per field name keeps the schema clean.
    kind = serializers.CharField(
        read_only=True, help_text="grant, subsidy, expert_dispatch, model_project, guideline or other"
    )
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    windows = WindowSerializer(many=True, read_only=True)
    kpis = KpiSerializer(many=True, read_only=True)
    is_open = serializers.BooleanField(read_only=True, help_text="applications open today (JST)")

    class Meta:
        model = Measure
        fields = [
            "id",
            "name",
            "ministry",
            "ministry_name",
            "office",
            "policy_areas",
            "kind",
            "kind_label",
            "summary",
            "eligibility",
            "windows",
            "is_open",
            "kpis",
            "budget_line",
            "contact",
            "source",
            "url",
        ]

    def to_representation(self, measure) -> dict:
        # Plain dictionaries: a page of 50 measures with their windows and KPIs is
        # read often (the filing form, the catalogue), and DRF's field machinery
        # costs more than the queries. The declared fields above are the schema.
        return measure_row(measure)


def _date(value):
    return value.isoformat() if value else None


def measure_row(measure) -> dict:
    return {
        "id": measure.pk,
        "name": measure.name,
        "ministry": measure.ministry.slug,
        "ministry_name": measure.ministry.name,
        "office": measure.office.slug if measure.office_id else None,
        "policy_areas": [area.slug for area in measure.policy_areas.all()],
        "kind": measure.kind,
        "kind_label": measure.get_kind_display(),
        "summary": measure.summary,
        "eligibility": measure.eligibility,
        "windows": [
            {"opens_on": _date(w.opens_on), "closes_on": _date(w.closes_on), "fiscal_year": w.fiscal_year,
             "note": w.note}
            for w in measure.windows.all()
        ],
        "is_open": bool(getattr(measure, "is_open", False)),
        "kpis": [
            {"name": k.name, "target": k.target, "unit": k.unit, "target_year": k.target_year,
             "latest_value": k.latest_value, "latest_as_of": _date(k.latest_as_of), "source": k.source}
            for k in measure.kpis.all()
        ],
        "budget_line": measure.budget_line,
        "contact": measure.contact,
        "source": measure.source,
        "url": measure.url,
    }  # fmt: skip


class MeasureDetailSerializer(MeasureSerializer):
    milestones = MilestoneSerializer(many=True, read_only=True)
    following = serializers.SerializerMethodField()

    class Meta(MeasureSerializer.Meta):
        fields = [*MeasureSerializer.Meta.fields, "milestones", "following"]

    def get_following(self, measure) -> bool:
        return bool(self.context.get("following"))

    def to_representation(self, measure) -> dict:
        return {
            **measure_row(measure),
            "milestones": [
                {"fiscal_year": m.fiscal_year, "description": m.description} for m in measure.milestones.all()
            ],
            "following": self.get_following(measure),
        }


class IntroductionSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="measure_id", read_only=True)
    name = serializers.CharField(source="measure.name", read_only=True)
    ministry = serializers.CharField(source="measure.ministry.slug", read_only=True)
    url = serializers.CharField(source="measure.url", read_only=True)
    office = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Introduction
        fields = ["id", "name", "ministry", "url", "office", "created_at"]


class IntroduceRequestSerializer(serializers.Serializer):
    measures = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=True, max_length=30)


class IntroducedSerializer(serializers.Serializer):
    consultation = serializers.IntegerField()
    measures = IntroductionSerializer(many=True)


class MeasureFollowSerializer(serializers.Serializer):
    following = serializers.BooleanField()
