"""POST /api/v1/routing/simulate/: where a consultation would go, and by when."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from routing import decisions
from routing.business_time import JST, outside_calendar_message, within_calendar
from routing.engine.types import URGENCY_CHOICES


class SimulateRequestSerializer(serializers.Serializer):
    local_government = serializers.RegexField(r"^\d{6}$", help_text="団体コード（6桁）")
    policy_area = serializers.SlugField()
    co_filers = serializers.ListField(child=serializers.RegexField(r"^\d{6}$"), required=False, default=list)
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    urgency = serializers.ChoiceField(choices=URGENCY_CHOICES, required=False, default="normal")
    submitted_at = serializers.DateTimeField(
        required=False, help_text="この時刻に提出したものとして計算（省略時は現在）（2020年から2年先の年末まで）"
    )

    def validate_submitted_at(self, value):
        if not within_calendar(value.astimezone(JST).date(), timezone.localdate()):
            raise serializers.ValidationError(outside_calendar_message())
        return value


class OfficeRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    ministry = serializers.CharField()


class RuleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)


class RoutingSerializer(serializers.Serializer):
    primary_office = OfficeRefSerializer(allow_null=True)
    collaborators = OfficeRefSerializer(many=True)
    rule = RuleRefSerializer(allow_null=True)
    rule_set_version = serializers.IntegerField(allow_null=True)
    sla_policy = serializers.CharField()
    priority = serializers.CharField()
    explanation = serializers.CharField()
    explanation_en = serializers.CharField()
    matched_rules = serializers.ListField(child=serializers.CharField())
    triage_reason = serializers.CharField()


class SlaPolicySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    first_response_target = serializers.FloatField()
    resolution_target = serializers.FloatField()
    unit = serializers.CharField()


class SimulateResponseSerializer(serializers.Serializer):
    routing = RoutingSerializer()
    submitted_at = serializers.DateTimeField()
    clock_starts_at = serializers.DateTimeField()
    first_response_due_at = serializers.DateTimeField()
    resolution_due_at = serializers.DateTimeField()
    sla_policy = SlaPolicySerializer()


class SimulateRoutingView(APIView):
    """The routing decision and deadlines that filing would give (nothing is saved).

    Secretariat and liaisons may simulate for any local government; municipal
    staff only for their own.
    """

    @extend_schema(
        request=SimulateRequestSerializer,
        responses={
            200: SimulateResponseSerializer,
            400: OpenApiResponse(description="A field is missing or unknown; the error names it"),
            403: OpenApiResponse(description="Municipal staff simulating for another local government"),
        },
        tags=["routing"],
    )
    def post(self, request):
        serializer = SimulateRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request.user
        if user.is_municipal_staff and data["local_government"] != user.local_government_id:
            raise PermissionDenied(_("自分の団体についてのみ試算できます。"))
        try:
            facts = decisions.consultation_facts(
                local_government=data["local_government"],
                policy_area=data["policy_area"],
                co_filers=data["co_filers"],
                urgency=data["urgency"],
                title=data["title"],
                body=data["body"],
            )
        except decisions.RoutingInputError as exc:
            raise ValidationError({exc.field: [str(exc)]}) from exc
        routing = decisions.route(facts, at=data.get("submitted_at"))
        return Response(decisions.routing_json(routing), status=status.HTTP_200_OK)
