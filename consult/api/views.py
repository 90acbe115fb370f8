"""The consultations API (API.md). Thin: every read through the selectors,
every write through the services."""

from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import CachedCountPagination
from consult import selectors, services, text_search
from consult.models import Consultation, Event
from notifications import services as notification_services
from notifications.api.serializers import FollowSerializer
from routing import selectors as routing_selectors

from .filters import ConsultationFilter
from .serializers import (
    ActionRequestSerializer,
    BulkRequestSerializer,
    BulkResultSerializer,
    ConsultationDetailSerializer,
    ConsultationListItemSerializer,
    EventSerializer,
    FileRequestSerializer,
    InviteRequestSerializer,
    MergeRequestSerializer,
    MessageRequestSerializer,
    MessageSerializer,
    RateRequestSerializer,
    TransferRequestSerializer,
    UnmergeRequestSerializer,
    consultation_detail,
    consultation_row,
)

ACTIONS = {
    "accept": "accept",
    "request-info": "request_info",
    "resume": "resume",
    "resolve": "resolve",
    "confirm": "confirm",
    "reopen": "reopen",
    "withdraw": "withdraw",
}


def _uploads(files) -> list[services.Upload]:
    # The uploaded files themselves (spooled to disk by Django), never read whole here.
    return [services.Upload(name=f.name, content=f) for f in files]


def detail_response(request, pk: int, *, code=status.HTTP_200_OK, extra=None):
    """The consultation as the caller sees it, read fresh (after any write) in a fixed number of queries."""
    consultation = selectors.access_consultation(request.user, pk)
    messages, attachments = selectors.conversation(request.user, consultation)
    data = consultation_detail(
        consultation,
        user=request.user,
        messages=messages,
        attachments=attachments,
        maps=routing_selectors.reference_maps(),
        now=timezone.now(),
    )
    if extra:
        data.update(extra)
    return Response(data, status=code)


@extend_schema(tags=["consultations"])
class ConsultationListCreate(generics.ListAPIView):
    serializer_class = ConsultationListItemSerializer
    filterset_class = ConsultationFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    pagination_class = CachedCountPagination

    def get_queryset(self):
        # For the schema and DRF's generic machinery; ``list`` reads through consultation_list.
        return selectors.visible_consultations(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def list(self, request, *args, **kwargs):
        # Page over the narrow id query, then read the details of one page only.
        params = request.query_params
        # Parsing the parameters costs milliseconds: the list opened most often has none.
        if set(params) <= {"page", "page_size"}:
            filters = selectors.ListFilters()
        else:
            filters = ConsultationFilter(params, queryset=Consultation.objects.none()).list_filters()
        now = timezone.now()
        ids = selectors.consultation_list(request.user, filters, now=now)
        page_ids = list(self.paginate_queryset(ids))
        rows = selectors.page_of(request.user, page_ids)
        maps = routing_selectors.reference_maps()
        results = [consultation_row(row, maps, now) for row in rows]
        # The matching passage, from what the caller may read only (consult.text_search);
        # empty without q, so that every row has the same fields.
        marks = text_search.highlights(request.user, rows, filters.q) if filters.q else {}
        for row, result in zip(rows, results, strict=True):
            result["highlight"] = marks.get(row.pk, "")
        return self.get_paginated_response(results)

    @extend_schema(
        request={"application/json": FileRequestSerializer, "multipart/form-data": FileRequestSerializer},
        responses={201: ConsultationDetailSerializer, 400: OpenApiResponse(description="A field is invalid; named")},
    )
    def post(self, request):
        """File a consultation (municipal staff; the secretariat passes ``filer``)."""
        serializer = FileRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        uploads = _uploads(data["attachments"])
        result = services.file_consultation(
            actor=request.user,
            title=data["title"],
            body=data["body"],
            policy_area=data["policy_area"],
            co_filers=data["co_filers"],
            desired_by=data["desired_by"],
            urgency=data["urgency"],
            filer=data["filer"],
            attachments=uploads,
        )
        # The transaction has committed: what the 201 reports is in the database.
        consultation = result.consultation
        data = consultation_detail(
            consultation,
            user=request.user,
            messages=[],
            attachments=list(consultation.attachments.all()) if uploads else [],
            maps=routing_selectors.reference_maps(),
            now=timezone.now(),
        )
        data["attachment_errors"] = result.attachment_errors
        return Response(data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["consultations"])
class ConsultationDetail(APIView):
    @extend_schema(responses={200: ConsultationDetailSerializer, 404: OpenApiResponse(description="Not visible")})
    def get(self, request, pk: int):
        return detail_response(request, pk)


@extend_schema(tags=["consultations"])
class ConsultationMessages(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={"application/json": MessageRequestSerializer, "multipart/form-data": MessageRequestSerializer},
        responses={201: MessageSerializer},
    )
    def post(self, request, pk: int):
        consultation = selectors.access_consultation(request.user, pk)
        serializer = MessageRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.post_message(
            actor=request.user,
            consultation=consultation,
            body=data["body"],
            internal=data["internal"],
            attachments=_uploads(data["attachments"]),
            template_id=data["template"],
        )
        message = selectors.visible_messages(request.user, result.consultation).get(pk=result.message.pk)
        body = MessageSerializer(message).data
        body["attachment_errors"] = result.attachment_errors
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(tags=["consultations"])
class ConsultationAction(APIView):
    @extend_schema(
        operation_id="consultations_action",
        request=ActionRequestSerializer,
        parameters=[OpenApiParameter("action", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(ACTIONS))],
        responses={
            200: ConsultationDetailSerializer,
            403: OpenApiResponse(description="Your role may not do this"),
            409: OpenApiResponse(description="The lifecycle does not allow it now; the body names the current status"),
        },
    )
    def post(self, request, pk: int, action: str):
        consultation = selectors.access_consultation(request.user, pk)
        serializer = ActionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.transition(
            actor=request.user,
            consultation=consultation,
            action=ACTIONS[action],
            comment=serializer.validated_data["comment"],
        )
        return detail_response(request, result.consultation.pk)


@extend_schema(tags=["consultations"])
class ConsultationTransfer(APIView):
    @extend_schema(request=TransferRequestSerializer, responses={200: ConsultationDetailSerializer})
    def post(self, request, pk: int):
        consultation = selectors.access_consultation(request.user, pk)
        serializer = TransferRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.transfer(
            actor=request.user,
            consultation=consultation,
            office=serializer.validated_data["office"],
            reason=serializer.validated_data["reason"],
        )
        # The actor may no longer see internal notes written from now on, but still sees the consultation.
        return detail_response(request, result.consultation.pk)


@extend_schema(tags=["consultations"])
class ConsultationBulk(APIView):
    @extend_schema(
        request=BulkRequestSerializer,
        responses={
            200: BulkResultSerializer,
            400: OpenApiResponse(description="A field is invalid (``ids`` beyond the cap, a missing office…); named"),
        },
    )
    def post(self, request):
        """Accept, assign, transfer or add a collaborator on each of ``ids``: each item through
        the same service and permission as one at a time, in its own transaction; an id
        outside the caller's visibility is reported as 404, like any other unknown id."""
        serializer = BulkRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        results = services.apply_to_each(
            actor=request.user,
            action=data["action"],
            ids=data["ids"],
            assignee=data.get("assignee"),
            office=data.get("office"),
            reason=data["reason"],
        )
        return Response(
            {
                "results": [
                    {"id": item.id, "ok": True} if item.ok else
                    {"id": item.id, "ok": False, "status": item.status, "error": item.error}
                    for item in results
                ]
            }
        )  # fmt: skip


@extend_schema(tags=["consultations"])
class ConsultationMerge(APIView):
    """Merge this consultation (a duplicate) into ``into``, the one kept: this one keeps
    its history, answers with ``merged_into`` and is closed to new work; its filer side
    sees and follows the kept one."""

    @extend_schema(
        request=MergeRequestSerializer,
        responses={
            200: ConsultationDetailSerializer,
            400: OpenApiResponse(description="into: itself, already merged, or a loop; reason missing"),
            403: OpenApiResponse(description="Only the kept consultation's office and the secretariat merge"),
            404: OpenApiResponse(description="Either consultation is not visible"),
            409: OpenApiResponse(description="This one is already merged or withdrawn"),
        },
    )
    def post(self, request, pk: int):
        consultation = selectors.access_consultation(request.user, pk)
        serializer = MergeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        into = selectors.access_consultation(request.user, serializer.validated_data["into"])
        services.merge(
            actor=request.user, consultation=consultation, into=into, reason=serializer.validated_data["reason"]
        )
        return detail_response(request, consultation.pk)


@extend_schema(tags=["consultations"])
class ConsultationUnmerge(APIView):
    """Undo a merge: this consultation is open to work again; the follows the merge added go."""

    @extend_schema(
        request=UnmergeRequestSerializer,
        responses={
            200: ConsultationDetailSerializer,
            403: OpenApiResponse(description="Only the kept consultation's office and the secretariat unmerge"),
            404: OpenApiResponse(description="Not visible"),
            409: OpenApiResponse(description="Not merged"),
        },
    )
    def post(self, request, pk: int):
        consultation = selectors.access_consultation(request.user, pk)
        serializer = UnmergeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.unmerge(actor=request.user, consultation=consultation, reason=serializer.validated_data["reason"])
        return detail_response(request, consultation.pk)


@extend_schema(tags=["consultations"])
class ConsultationRate(APIView):
    """The filer rates the answer once the consultation is resolved or closed (a
    later rating replaces the earlier one)."""

    @extend_schema(
        request=RateRequestSerializer,
        responses={
            200: ConsultationDetailSerializer,
            403: OpenApiResponse(description="Only the filing local government rates"),
            409: OpenApiResponse(description="Not resolved or closed; the body names the current status"),
        },
    )
    def post(self, request, pk: int):
        consultation = selectors.access_consultation(request.user, pk)
        serializer = RateRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.rate(
            actor=request.user,
            consultation=consultation,
            rating=serializer.validated_data["rating"],
            comment=serializer.validated_data["comment"],
        )
        return detail_response(request, result.consultation.pk)


@extend_schema(tags=["consultations"])
class ConsultationCollaborators(APIView):
    @extend_schema(request=InviteRequestSerializer, responses={200: ConsultationDetailSerializer})
    def post(self, request, pk: int):
        consultation = selectors.access_consultation(request.user, pk)
        serializer = InviteRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.invite_collaborator(
            actor=request.user, consultation=consultation, office=serializer.validated_data["office"]
        )
        return detail_response(request, result.consultation.pk)


@extend_schema(tags=["consultations"])
class ConsultationEvents(generics.ListAPIView):
    serializer_class = EventSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Event.objects.none()
        consultation = selectors.access_consultation(self.request.user, self.kwargs["pk"])
        return selectors.visible_events(self.request.user, consultation)


@extend_schema(tags=["consultations"])
class AttachmentDownload(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: OpenApiResponse()})
    def get(self, request, pk: int, attachment_pk: int):
        attachment = selectors.access_attachment(request.user, pk, attachment_pk)
        response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)
        response["Content-Type"] = attachment.content_type
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


@extend_schema(tags=["notifications"])
class ConsultationFollow(APIView):
    @extend_schema(request=None, responses={200: FollowSerializer, 404: OpenApiResponse(description="Not visible")})
    def post(self, request, pk: int):
        """Follow a consultation the caller may see."""
        consultation = selectors.access_consultation(request.user, pk)
        notification_services.set_following(user=request.user, consultation=consultation, follow=True)
        return Response({"following": True})

    @extend_schema(request=None, responses={200: FollowSerializer, 404: OpenApiResponse(description="Not visible")})
    def delete(self, request, pk: int):
        """Stop following (the filer too: they then get no notifications of it)."""
        consultation = selectors.access_consultation(request.user, pk)
        notification_services.set_following(user=request.user, consultation=consultation, follow=False)
        return Response({"following": False}, status=status.HTTP_200_OK)
