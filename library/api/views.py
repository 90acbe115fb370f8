"""The library API (API.md). Thin: reads through the selectors, writes through the services."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import Pagination
from consult import selectors as consult_selectors
from library import selectors, services, similarity

from .serializers import (
    EntrySerializer,
    LibraryQuery,
    ProposalRequestSerializer,
    SimilarQuery,
    SimilarSerializer,
    UsefulSerializer,
    entry_row,
)


def _detail(request, entry) -> dict:
    entry = selectors.access_entry(request.user, entry.pk)
    return entry_row(
        entry, version=selectors.shown_version(request.user, entry),
        linkable=selectors.linkable_sources(request.user, [entry]),
    )  # fmt: skip


@extend_schema(tags=["library"])
class EntryList(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="words in the title, question, answer or tags"),
            OpenApiParameter("policy_area", OpenApiTypes.STR, description="policy area slug"),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses={200: EntrySerializer(many=True)},
    )
    def get(self, request):
        """Published entries: newest first, or ranked by relevance with ``q``."""
        query = LibraryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.published_entries(q=query.validated_data["q"], policy_area=query.validated_data["policy_area"]),
            request, view=self,
        )  # fmt: skip
        linkable = selectors.linkable_sources(request.user, page)
        return paginator.get_paginated_response([entry_row(entry, linkable=linkable) for entry in page])


@extend_schema(tags=["library"])
class EntryDetail(APIView):
    @extend_schema(responses={200: EntrySerializer, 404: OpenApiResponse(description="No such published entry")})
    def get(self, request, pk: int):
        entry = selectors.access_entry(request.user, pk)
        services.record_view(entry=entry)
        return Response(_detail(request, entry))


@extend_schema(tags=["library"])
class EntryPublish(APIView):
    @extend_schema(
        request=None,
        responses={
            200: EntrySerializer,
            403: OpenApiResponse(description="Only the secretariat publishes"),
            404: OpenApiResponse(description="No such entry"),
            409: OpenApiResponse(description="The latest version is already published"),
        },
    )
    def post(self, request, pk: int):
        """Publish the entry's latest version (the secretariat)."""
        entry = selectors.access_entry(request.user, pk)
        entry = services.publish_entry(actor=request.user, entry=entry)
        return Response(_detail(request, entry))


@extend_schema(tags=["library"])
class EntryUseful(APIView):
    @extend_schema(request=None, responses={200: UsefulSerializer, 404: OpenApiResponse(description="Not published")})
    def post(self, request, pk: int):
        """Mark the entry useful: once per person (a second POST does not count again)."""
        entry = selectors.access_entry(request.user, pk)
        if entry.status != "published":
            return Response({"detail": _("公開中の回答事例ではありません")}, status=status.HTTP_409_CONFLICT)
        counted, count = services.mark_useful(user=request.user, entry=entry)
        return Response({"useful": True, "counted": counted, "useful_count": count})


@extend_schema(tags=["library"])
class Proposal(APIView):
    @extend_schema(
        request=ProposalRequestSerializer,
        responses={
            201: EntrySerializer,
            403: OpenApiResponse(description="Not an office of the consultation nor the secretariat"),
            404: OpenApiResponse(description="Not visible"),
            409: OpenApiResponse(description="Not resolved or closed; the body names the current status"),
        },
    )
    def post(self, request, pk: int):
        """Propose a library entry (a draft for the secretariat) from a resolved or closed consultation."""
        consultation = consult_selectors.access_consultation(request.user, pk)
        body = ProposalRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        entry = services.propose_entry(
            actor=request.user, consultation=consultation, title=values["title"], question=values["question"],
            answer=values["answer"], tags=values["tags"], measure_ids=values.get("measures"),
        )  # fmt: skip
        entry = selectors.entry_with_details(entry.pk)
        row = entry_row(entry, version=entry.current, linkable={consultation.pk})
        return Response(row, status=status.HTTP_201_CREATED)


@extend_schema(tags=["library"])
class Similar(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("title", OpenApiTypes.STR),
            OpenApiParameter("body", OpenApiTypes.STR),
            OpenApiParameter("policy_area", OpenApiTypes.STR, description="policy area slug"),
        ],
        responses={200: SimilarSerializer(many=True)},
    )
    def get(self, request):
        """Up to five library entries and consultations like the one being written;
        consultations only for liaisons and the secretariat, and only those they may see."""
        query = SimilarQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        found = similarity.suggestions(
            request.user, title=values["title"], body=values["body"], policy_area=values["policy_area"]
        )
        return Response([item.as_json() for item in found])
