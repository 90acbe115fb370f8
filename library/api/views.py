"""The library API (API.md). Thin: reads through the selectors, writes through the services."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import Pagination
from consult import selectors as consult_selectors
from library import selectors, services, similarity

from .serializers import (
    EntryEditSerializer,
    EntrySerializer,
    LibraryQuery,
    ProposalRequestSerializer,
    SimilarQuery,
    SimilarSerializer,
    UsefulSerializer,
    VersionSerializer,
    WithdrawSerializer,
    entry_row,
    version_row,
)

REVIEW_ERRORS = {
    403: OpenApiResponse(description="Only the secretariat edits, withdraws and reads the versions"),
    404: OpenApiResponse(description="No such entry (a draft or withdrawn entry is the secretariat's)"),
}


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
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=["draft", "published", "withdrawn"],
                description="the secretariat only (default published); anyone else asking for drafts or "
                "withdrawn entries gets 400; `q` goes with published entries only",
            ),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses={200: EntrySerializer(many=True), 400: OpenApiResponse(description="A status not yours to list")},
    )
    def get(self, request):
        """Published entries: newest first, or ranked by relevance with ``q``.
        The secretariat lists drafts or withdrawn entries with ``status`` (their latest version)."""
        query = LibraryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        entries = selectors.library_entries(
            request.user, q=values["q"], policy_area=values["policy_area"], status=values["status"]
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        linkable = selectors.linkable_sources(request.user, page)
        # Without a status everyone reads the published version; a review list shows the latest.
        reviewing = bool(values["status"]) and services.may_review(request.user)
        return paginator.get_paginated_response(
            [entry_row(entry, version=entry.current if reviewing else None, linkable=linkable) for entry in page]
        )


@extend_schema(tags=["library"])
class EntryDetail(APIView):
    @extend_schema(responses={200: EntrySerializer, 404: OpenApiResponse(description="No such published entry")})
    def get(self, request, pk: int):
        entry = selectors.access_entry(request.user, pk)
        services.record_view(entry=entry)
        return Response(_detail(request, entry))

    @extend_schema(
        request=EntryEditSerializer,
        responses={200: EntrySerializer, 400: OpenApiResponse(description="A field to fix"), **REVIEW_ERRORS},
    )
    def patch(self, request, pk: int):
        """The secretariat's edit: a new version (readers keep the published one until it is
        published again); the fields left out keep the latest version's value."""
        entry = selectors.access_entry(request.user, pk)
        if not services.may_review(request.user):
            raise PermissionDenied(_("回答事例を編集できるのは事務局です"))
        body = EntryEditSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        current = entry.current
        area = None
        if "policy_area" in values:
            area = selectors.policy_area_named(values["policy_area"])
            if area is None:
                raise ValidationError(
                    {"policy_area": [_("施策分野 %(slug)s はありません") % {"slug": values["policy_area"]}]}
                )
        entry = services.edit_entry(
            actor=request.user, entry=entry,
            title=values.get("title", current.title if current else ""),
            question=values.get("question", current.question if current else ""),
            answer=values.get("answer", current.answer if current else ""),
            tags=values.get("tags", current.tags if current else []),
            policy_area=area, measure_ids=values.get("measures"), note=values["note"],
        )  # fmt: skip
        return Response(_detail(request, entry))


@extend_schema(tags=["library"])
class EntryWithdraw(APIView):
    @extend_schema(
        request=WithdrawSerializer,
        responses={
            200: EntrySerializer, **REVIEW_ERRORS,
            409: OpenApiResponse(description="Already withdrawn"),
        },
    )  # fmt: skip
    def post(self, request, pk: int):
        """End the publication, or turn down a draft (the secretariat), with a reason kept in the history."""
        entry = selectors.access_entry(request.user, pk)
        body = WithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.withdraw_entry(actor=request.user, entry=entry, reason=body.validated_data["reason"])
        return Response(_detail(request, entry))


@extend_schema(tags=["library"])
class EntryVersions(APIView):
    @extend_schema(responses={200: VersionSerializer(many=True), **REVIEW_ERRORS})
    def get(self, request, pk: int):
        """Every version of the entry, newest first, with who wrote it and when (the secretariat)."""
        entry = selectors.access_entry(request.user, pk)
        if not services.may_review(request.user):
            raise PermissionDenied(_("版の履歴を見られるのは事務局です"))
        return Response([version_row(version, entry) for version in selectors.versions(entry)])


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
