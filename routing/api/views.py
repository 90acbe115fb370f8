from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics

from routing import selectors

from .serializers import LocalGovernmentSerializer, OfficeSerializer, PolicyAreaSerializer


@extend_schema(tags=["reference"])
class PolicyAreaList(generics.ListAPIView):
    serializer_class = PolicyAreaSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.policy_areas()


@extend_schema_view(
    get=extend_schema(
        tags=["reference"],
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="名称・よみ（ひらがな可）・団体コード"),
            OpenApiParameter("prefecture", OpenApiTypes.STR, description="都道府県コード（01–47）または名称"),
        ],
    )
)
class LocalGovernmentList(generics.ListAPIView):
    serializer_class = LocalGovernmentSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.search_local_governments(q=params.get("q", ""), prefecture=params.get("prefecture", ""))


@extend_schema_view(
    get=extend_schema(
        tags=["reference"],
        parameters=[OpenApiParameter("ministry", OpenApiTypes.STR, description="府省庁のスラッグ（例: maff）")],
    )
)
class OfficeList(generics.ListAPIView):
    serializer_class = OfficeSerializer

    def get_queryset(self):
        return selectors.offices(ministry=self.request.query_params.get("ministry", ""))
