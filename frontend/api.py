"""The API of the queue's saved views (API.md ``saved-views/``): thin, every read through
``frontend.saved_views``' selectors and every write through its services."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from routing import selectors as routing_selectors

from . import saved_views
from .models import SavedView


class SavedViewRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=saved_views.MAX_NAME, help_text="ビューの名前")
    params = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        default=dict,
        help_text="担当の相談一覧（/queue/）の検索条件と並び順（scope, status, office, policy_area, q, overdue, "
        "unassigned, sort）",
    )
    office = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text="共有する部局のスラッグ（所属部局のみ）。空：自分だけ",
    )

    def office_id(self) -> int | None:
        """The office slug as an id (None: private); an unknown slug is a 400 naming ``office``."""
        slug = self.validated_data.get("office")
        if not slug:
            return None
        office_id = routing_selectors.reference_maps().office_ids.get(slug)
        if office_id is None:
            raise serializers.ValidationError({"office": [f"unknown office {slug!r}"]})
        return office_id


class SavedViewPatchSerializer(SavedViewRequestSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class SavedViewSerializer(serializers.Serializer):
    """For the schema: what each view returns."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    params = serializers.DictField(child=serializers.CharField())
    office = serializers.CharField(allow_null=True, help_text="共有先の部局のスラッグ（null：作成者だけ）")
    shared = serializers.BooleanField()
    owner = serializers.DictField(help_text="{id, display_name}")
    editable = serializers.BooleanField(help_text="この利用者が変更・削除できるか")
    url = serializers.CharField(help_text="このビューで開く担当の相談一覧のアドレス")
    count = serializers.IntegerField(help_text="この利用者に見える件数（一覧 API の count と同じ）")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def _represent(view: SavedView, *, count: int, editable: bool) -> dict:
    office = routing_selectors.reference_maps().offices.get(view.office_id) if view.office_id else None
    return {
        "id": view.pk,
        "name": view.name,
        "params": view.params,
        "office": office.slug if office else None,
        "shared": view.office_id is not None,
        "owner": {"id": view.owner_id, "display_name": view.owner.display_name},
        "editable": editable,
        "url": saved_views.url_of(view),
        "count": count,
        "created_at": serializers.DateTimeField().to_representation(view.created_at),
        "updated_at": serializers.DateTimeField().to_representation(view.updated_at),
    }


def _one(request, view: SavedView, *, code=status.HTTP_200_OK) -> Response:
    [count] = saved_views.counts(request.user, [view])
    return Response(_represent(view, count=count, editable=saved_views.may_edit(request.user, view)), status=code)


@extend_schema(tags=["saved-views"])
class SavedViewList(APIView):
    @extend_schema(responses={200: SavedViewSerializer(many=True)})
    def get(self, request):
        """The views the caller sees (their own and their offices' shared ones), each with its count."""
        views = list(saved_views.visible_views(request.user))
        counts = saved_views.counts(request.user, views, now=timezone.now())
        leads = saved_views.lead_office_ids(request.user) if views else set()
        return Response(
            {
                "results": [
                    _represent(view, count=count, editable=saved_views.may_edit(request.user, view, leads))
                    for view, count in zip(views, counts, strict=True)
                ]
            }
        )

    @extend_schema(
        request=SavedViewRequestSerializer,
        responses={201: SavedViewSerializer, 400: OpenApiResponse(description="A field is invalid; named")},
    )
    def post(self, request):
        """Save a view of the queue, private or shared with one of the caller's offices."""
        serializer = SavedViewRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        view = saved_views.save_view(
            actor=request.user,
            name=serializer.validated_data["name"],
            params=serializer.validated_data["params"],
            office_id=serializer.office_id(),
        )
        return _one(request, view, code=status.HTTP_201_CREATED)


@extend_schema(tags=["saved-views"])
class SavedViewDetail(APIView):
    @extend_schema(responses={200: SavedViewSerializer})
    def get(self, request, pk: int):
        return _one(request, saved_views.access_view(request.user, pk))

    @extend_schema(
        request=SavedViewPatchSerializer,
        responses={
            200: SavedViewSerializer,
            403: OpenApiResponse(description="Only the creator, or the lead of the office it is shared with"),
        },
    )
    def patch(self, request, pk: int):
        view = saved_views.access_view(request.user, pk)
        serializer = SavedViewPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        given = {key: serializer.validated_data[key] for key in ("name", "params") if key in request.data}
        if "office" in request.data:
            given["office_id"] = serializer.office_id()
        view = saved_views.update_view(actor=request.user, view=view, **given)
        return _one(request, view)

    @extend_schema(responses={204: None, 403: OpenApiResponse(description="Only the creator or the office's lead")})
    def delete(self, request, pk: int):
        saved_views.delete_view(actor=request.user, view=saved_views.access_view(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
