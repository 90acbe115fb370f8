"""``GET /api/v1/metrics/response-times/`` (API.md): the secretariat's table."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from config.renderers import FastJSONRenderer
from routing.business_time import outside_calendar_message, within_calendar

from .. import core, figures, selectors
from .renderers import MetricsCSVRenderer


def _field(figure: figures.Figure) -> serializers.Field:
    kinds = {figures.TEXT: serializers.CharField, figures.COUNT: serializers.IntegerField,
             figures.FLAG: serializers.BooleanField}  # fmt: skip
    options = {"help_text": figure.help_text} if figure.help_text else {}
    if figure.nullable:
        return serializers.FloatField(allow_null=True, **options)
    return kinds[figure.unit](**options)


Row = inline_serializer(
    "ResponseTimeRow", {figure.key: _field(figure) for figure in figures.TABLE if figure.api}, many=True
)
# ``?format=csv`` (or ``Accept: text/csv``) gives the same table as CSV.


def _date(request, name: str, default: datetime.date, errors: dict) -> datetime.date:
    value = request.query_params.get(name)
    if not value:
        return default
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        errors[name] = [_("日付は YYYY-MM-DD で指定してください")]
        return default
    if not within_calendar(day, timezone.localdate()):
        errors[name] = [outside_calendar_message()]
        return default
    return day


@extend_schema(tags=["metrics"])
class ResponseTimes(APIView):
    renderer_classes = [FastJSONRenderer, MetricsCSVRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("group_by", str, enum=list(selectors.GROUPS)),
            OpenApiParameter("from", datetime.date, description="first day (default: start of this fiscal year)"),
            OpenApiParameter("to", datetime.date, description="last day (default: end of this fiscal year)"),
        ],
        responses={200: Row},
    )
    def get(self, request):
        """Response times in business hours per group (METRICS.md), for the secretariat.

        Read from the rollup that beat refreshes every minute, as of the last publication
        of the figures (every few minutes); the ``X-Banso-Figures-As-Of`` header says when.
        Open, overdue and the open-by-age counts are as at the end of the period, held by
        the office holding each consultation then."""
        if request.user.role != Role.SECRETARIAT:
            raise PermissionDenied(_("応答時間の指標は事務局のみ見られます"))
        errors: dict[str, list[str]] = {}
        group_by = request.query_params.get("group_by", "office")
        if group_by not in selectors.GROUPS:
            errors["group_by"] = [_("%(choices)s のいずれかです") % {"choices": ", ".join(selectors.GROUPS)}]
        first, last = core.fiscal_year(timezone.localdate())
        start, end = _date(request, "from", first, errors), _date(request, "to", last, errors)
        if not errors and end < start:
            errors["to"] = [_("終了日は開始日以降にしてください")]
        if errors:
            raise ValidationError(errors)
        # The figures as of their last publication (beat, every few minutes), from the cache.
        rows, as_of = selectors.response_time_table(group_by=group_by, start=start, end=end)
        response = Response(rows)
        response["X-Banso-Figures-As-Of"] = as_of.isoformat() if as_of else ""
        if getattr(request, "accepted_renderer", None) and request.accepted_renderer.format == "csv":
            name = f"response-times-{group_by}-{start}-{end}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
