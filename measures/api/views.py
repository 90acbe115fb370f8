"""The measures API (API.md). Thin: reads through the selectors, writes through the services."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import CachedCountPagination
from consult import selectors as consult_selectors
from measures import selectors, services

from .filters import CatalogueQuery
from .serializers import (
    IntroducedSerializer,
    IntroduceRequestSerializer,
    IntroductionSerializer,
    MeasureDetailSerializer,
    MeasureFollowSerializer,
    MeasureSerializer,
)

LIST_PARAMETERS = [
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description="Japanese full-text search of the name, summary, eligibility and ministry (best matches first after open windows)",
    ),
    OpenApiParameter("policy_area", OpenApiTypes.STR, description="policy area slug"),
    OpenApiParameter("ministry", OpenApiTypes.STR, description="ministry slug (its agencies included)"),
    OpenApiParameter(
        "kind", OpenApiTypes.STR, enum=["grant", "subsidy", "expert_dispatch", "model_project", "guideline", "other"]
    ),
    OpenApiParameter("open", OpenApiTypes.BOOL, description="only measures with applications open today (JST)"),
]


@extend_schema(tags=["measures"], parameters=LIST_PARAMETERS)
class MeasureList(generics.ListAPIView):
    serializer_class = MeasureSerializer
    pagination_class = CachedCountPagination

    def get_queryset(self):
        """The ids in the catalogue's order; list() reads the page's measures."""
        query = CatalogueQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        return selectors.catalogue_ids(
            q=values["q"],
            policy_area=values["policy_area"],
            ministry=values["ministry"],
            kind=values["kind"],
            open_only=values["open"],
        )

    def list(self, request, *args, **kwargs):
        ids = self.paginate_queryset(self.get_queryset())
        rows = selectors.in_order(ids)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


@extend_schema(tags=["measures"])
class MeasureDetail(APIView):
    @extend_schema(responses={200: MeasureDetailSerializer, 404: OpenApiResponse(description="No such measure")})
    def get(self, request, pk: int):
        measure = selectors.access_measure(request.user, pk)
        following = bool(selectors.followed_ids(request.user, [measure.pk]))
        return Response(MeasureDetailSerializer(measure, context={"following": following}).data)


@extend_schema(tags=["measures"])
class MeasureFollow(APIView):
    @extend_schema(
        request=None, responses={200: MeasureFollowSerializer, 404: OpenApiResponse(description="No such measure")}
    )
    def post(self, request, pk: int):
        """Be notified when applications open and a week before they close."""
        measure = selectors.access_measure(request.user, pk)
        return Response({"following": services.set_following(user=request.user, measure=measure, follow=True)})

    @extend_schema(
        request=None, responses={200: MeasureFollowSerializer, 404: OpenApiResponse(description="No such measure")}
    )
    def delete(self, request, pk: int):
        measure = selectors.access_measure(request.user, pk)
        return Response({"following": services.set_following(user=request.user, measure=measure, follow=False)})


@extend_schema(tags=["measures"])
class ConsultationMeasures(APIView):
    """The measures introduced in the answer to a consultation: seen by its
    parties only (404 outside its visibility), set by the offices answering it."""

    @extend_schema(responses={200: IntroducedSerializer, 404: OpenApiResponse(description="Not visible")})
    def get(self, request, pk: int):
        consultation = consult_selectors.access_consultation(request.user, pk)
        rows = selectors.introduced(consultation)
        return Response({"consultation": consultation.pk, "measures": IntroductionSerializer(rows, many=True).data})

    @extend_schema(
        request=IntroduceRequestSerializer,
        responses={
            200: IntroducedSerializer,
            403: OpenApiResponse(description="Not an office of the consultation"),
            404: OpenApiResponse(description="Not visible"),
        },
    )
    def post(self, request, pk: int):
        consultation = consult_selectors.access_consultation(request.user, pk)
        body = IntroduceRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.set_introduced_measures(
            actor=request.user, consultation=consultation, measure_ids=body.validated_data["measures"]
        )
        rows = selectors.introduced(consultation)
        return Response({"consultation": consultation.pk, "measures": IntroductionSerializer(rows, many=True).data})
