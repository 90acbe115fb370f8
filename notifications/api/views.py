"""The inbox and preferences (API.md ``notifications/``). Thin: reads through
the selectors, writes through the services. Following a consultation is
consult's view (``consultations/{id}/follow/``): it checks visibility first."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import Pagination

from .. import selectors, services
from .serializers import NotificationSerializer, PreferencesSerializer, PreferencesUpdateSerializer


class InboxPagination(Pagination):
    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["unread_count"] = self.unread_count
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["unread_count"] = {"type": "integer"}
        return schema


@extend_schema(tags=["notifications"])
class Inbox(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="only unread ones")],
        responses={200: NotificationSerializer(many=True)},
    )
    def get(self, request):
        """The caller's notifications, newest first, with the unread count."""
        unread_only = request.query_params.get("unread", "").lower() in ("1", "true", "yes")
        paginator = InboxPagination()
        paginator.unread_count = selectors.unread_count(request.user)
        page = paginator.paginate_queryset(selectors.inbox(request.user, unread_only=unread_only), request, view=self)
        data = NotificationSerializer(page, many=True).data
        return paginator.get_paginated_response(data)


@extend_schema(tags=["notifications"])
class MarkRead(APIView):
    @extend_schema(request=None, responses={200: NotificationSerializer, 404: OpenApiResponse(description="Not yours")})
    def post(self, request, pk: int):
        notification = selectors.access_notification(request.user, pk)
        services.mark_read(user=request.user, notification_ids=[notification.pk])
        notification = selectors.access_notification(request.user, pk)
        return Response(NotificationSerializer(notification).data)


@extend_schema(tags=["notifications"])
class MarkAllRead(APIView):
    @extend_schema(request=None, responses={200: inline_serializer("Marked", {"marked": serializers.IntegerField()})})
    def post(self, request):
        return Response({"marked": services.mark_read(user=request.user)})


@extend_schema(tags=["notifications"])
class Preferences(APIView):
    @extend_schema(responses={200: PreferencesSerializer})
    def get(self, request):
        """How the caller is told of each kind: at once, in the 08:30 digest, or not at all."""
        return Response(selectors.preferences_of(request.user))

    @extend_schema(request=PreferencesUpdateSerializer, responses={200: PreferencesSerializer})
    def put(self, request):
        serializer = PreferencesUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.set_preferences(
            user=request.user,
            choices=serializer.validated_data.get("preferences", {}),
            language=serializer.validated_data.get("language"),
        )
        return Response(selectors.preferences_of(request.user))

    patch = put
