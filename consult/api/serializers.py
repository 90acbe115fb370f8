from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consult import permissions, rules, services
from consult.lifecycle import Status
from consult.models import Attachment, Consultation, Event, Message, Urgency
from routing import selectors as routing_selectors


class OfficeSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    ministry = serializers.CharField(source="ministry.slug")


class LocalGovernmentRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    prefecture = serializers.CharField(source="prefecture.name")


class ConsultationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class RuleSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)


class ConsultationRoutingSerializer(serializers.Serializer):
    primary_office = OfficeSummarySerializer(allow_null=True)
    collaborators = OfficeSummarySerializer(many=True)
    rule = RuleSummarySerializer(allow_null=True)
    explanation = serializers.CharField()
    explanation_en = serializers.CharField()
    triage_reason = serializers.CharField()


def _maps(serializer):
    """Reference maps shared by every row of one response."""
    maps = serializer.context.get("maps")
    if maps is None:
        maps = serializer.context["maps"] = routing_selectors.reference_maps()
    return maps


class ConsultationSerializer(serializers.ModelSerializer):
    policy_area = serializers.SerializerMethodField()
    policy_area_name = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()
    filer = serializers.SerializerMethodField()
    co_filers = serializers.SerializerMethodField()
    routing = serializers.SerializerMethodField()
    assignee = UserRefSerializer(allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Consultation
        fields = [
            "id", "reference", "title", "body", "status", "status_label", "policy_area", "policy_area_name",
            "filer", "co_filers", "urgency", "priority", "desired_by", "routing", "assignee",
            "first_response_due_at", "resolution_due_at", "first_responded_at", "resolved_at", "closed_at",
            "withdrawn_at", "transfer_count", "overdue", "created_at", "updated_at",
        ]  # fmt: skip

    def get_status_label(self, obj) -> str:
        return gettext(Status.LABELS.get(obj.status, obj.status))

    def get_policy_area(self, obj) -> str:
        return _maps(self).policy_areas[obj.policy_area_id][0]

    def get_policy_area_name(self, obj) -> str:
        return _maps(self).policy_areas[obj.policy_area_id][1]

    @extend_schema_field(LocalGovernmentRefSerializer)
    def get_filer(self, obj) -> dict:
        return _maps(self).local_governments[obj.filer_id]

    @extend_schema_field(LocalGovernmentRefSerializer(many=True))
    def get_co_filers(self, obj) -> list[dict]:
        maps = _maps(self)
        return [maps.local_governments[code] for code in obj.co_filer_codes]

    @extend_schema_field(ConsultationRoutingSerializer)
    def get_routing(self, obj) -> dict:
        return routing_json(obj, _maps(self))

    def get_overdue(self, obj) -> bool:
        return rules.is_overdue(obj, self.context.get("now") or timezone.now())


def _time(value, tz=None):
    """A datetime as DRF writes it: ISO 8601 in the current time zone (``tz``
    when the caller has already looked it up: a page converts hundreds)."""
    if value is None:
        return None
    text = value.astimezone(tz or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def routing_json(obj, maps) -> dict:
    """Where the consultation is and why (API.md ``routing``)."""
    rule = None
    if obj.rule_name:
        rule = {"id": obj.rule_id, "name": obj.rule_name, "version": maps.rule_set_versions.get(obj.rule_set_id)}
    return {
        "primary_office": maps.office_json(obj.primary_office_id),
        "collaborators": [maps.office_json(office_id) for office_id in obj.collaborator_office_ids],
        "rule": rule,
        "explanation": obj.routing_explanation,
        "explanation_en": obj.routing_explanation_en,
        "triage_reason": obj.triage_reason,
    }


def consultation_row(obj, maps, now) -> dict:
    """The list representation of ``ConsultationSerializer`` (of a Consultation
    or a ``selectors.ConsultationRow``), written out by hand: a page of fifty
    rows costs a fraction of the generic field machinery. A test keeps both identical."""
    tz = timezone.get_current_timezone()
    area_slug, area_name = maps.policy_areas[obj.policy_area_id]
    assignee = obj.assignee
    return {
        "id": obj.pk,
        "reference": obj.reference,
        "title": obj.title,
        "body": obj.body,
        "status": obj.status,
        "status_label": gettext(Status.LABELS.get(obj.status, obj.status)),
        "policy_area": area_slug,
        "policy_area_name": area_name,
        "filer": maps.local_governments[obj.filer_id],
        "co_filers": [maps.local_governments[code] for code in obj.co_filer_codes],
        "urgency": obj.urgency,
        "priority": obj.priority,
        "desired_by": obj.desired_by.isoformat() if obj.desired_by else None,
        "routing": routing_json(obj, maps),
        "assignee": {"id": assignee.pk, "name": assignee.display_name} if assignee else None,
        "first_response_due_at": _time(obj.first_response_due_at, tz),
        "resolution_due_at": _time(obj.resolution_due_at, tz),
        "first_responded_at": _time(obj.first_responded_at, tz),
        "resolved_at": _time(obj.resolved_at, tz),
        "closed_at": _time(obj.closed_at, tz),
        "withdrawn_at": _time(obj.withdrawn_at, tz),
        "transfer_count": obj.transfer_count,
        "overdue": rules.is_overdue(obj, now),
        "created_at": _time(obj.created_at, tz),
        "updated_at": _time(obj.updated_at, tz),
    }


class ConsultationListItemSerializer(ConsultationSerializer):
    """A row of the list, with the passage matching ``q`` (HTML-escaped, matches in ``<mark>``; empty without ``q``)."""

    highlight = serializers.CharField(
        read_only=True,
        required=False,
        help_text="q に一致した箇所（エスケープ済み、一致部分は <mark>）。q がなければ空",
    )

    class Meta(ConsultationSerializer.Meta):
        fields = [*ConsultationSerializer.Meta.fields, "highlight"]


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "sha256", "internal", "created_at", "url"]

    def get_url(self, obj) -> str:
        return f"/api/v1/consultations/{obj.consultation_id}/attachments/{obj.pk}/"


class MessageSerializer(serializers.ModelSerializer):
    author = UserRefSerializer()
    author_office = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, obj) -> list[dict]:
        shown = getattr(obj, "shown_attachments", None)
        return AttachmentSerializer(obj.attachments.all() if shown is None else shown, many=True).data

    @extend_schema_field(OfficeSummarySerializer(allow_null=True))
    def get_author_office(self, obj) -> dict | None:
        return _maps(self).office_json(obj.author_office_id)

    class Meta:
        model = Message
        fields = ["id", "kind", "internal", "body", "author", "author_office", "mentions", "created_at", "attachments"]


class ConsultationDetailSerializer(ConsultationSerializer):
    messages = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    routing_rule_set_version = serializers.SerializerMethodField()
    sla_policy = serializers.CharField(source="sla_policy.slug")
    allowed_actions = serializers.SerializerMethodField()
    paused_since = serializers.DateTimeField()
    rating = serializers.IntegerField(allow_null=True, help_text="The filer's satisfaction, 1–5, once rated")
    rated_at = serializers.DateTimeField(allow_null=True)
    merged_into = serializers.SerializerMethodField(
        help_text="The consultation this one was merged into (a pointer: this one still answers 200); null otherwise"
    )

    class Meta(ConsultationSerializer.Meta):
        fields = [
            *ConsultationSerializer.Meta.fields,
            "messages", "attachments", "routing_rule_set_version", "sla_policy", "allowed_actions", "paused_since",
            "rating", "rated_at", "merged_into",
        ]  # fmt: skip

    @extend_schema_field(ConsultationRefSerializer(allow_null=True))
    def get_merged_into(self, obj) -> dict | None:
        return merged_into_json(obj)

    def get_routing_rule_set_version(self, obj) -> int | None:
        return _maps(self).rule_set_versions.get(obj.rule_set_id)

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, obj) -> list[dict]:
        return MessageSerializer(self.context["messages"], many=True, context=self.context).data

    def get_attachments(self, obj) -> list[dict]:
        return AttachmentSerializer(self.context["attachments"], many=True).data

    def get_allowed_actions(self, obj) -> list[str]:
        return actions_for(self.context["request"].user, obj)


def actions_for(user, obj: Consultation) -> list[str]:
    """What the viewer may do now (``consult.rules.allowed_actions``; for a merged
    consultation, by the viewer's standing toward the kept one)."""
    if obj.merged_into_id is not None:
        return rules.allowed_actions(set(), obj.status, kept_standing=permissions.kept_standing(user, obj))
    return rules.allowed_actions(services.parties(user, obj), obj.status)


def merged_into_json(obj: Consultation) -> dict | None:
    """``merged_into``: ``{id, reference}`` of the kept consultation, or None."""
    if obj.merged_into_id is None:
        return None
    reference = getattr(obj, "merged_into_reference", None)
    if reference is None:
        reference = obj.merged_into.reference
    return {"id": obj.merged_into_id, "reference": reference}


def attachment_row(obj: Attachment, tz) -> dict:
    """``AttachmentSerializer``, written out by hand (see ``consultation_detail``)."""
    return {
        "id": obj.pk,
        "name": obj.name,
        "content_type": obj.content_type,
        "size": obj.size,
        "sha256": obj.sha256,
        "internal": obj.internal,
        "created_at": _time(obj.created_at, tz),
        "url": f"/api/v1/consultations/{obj.consultation_id}/attachments/{obj.pk}/",
    }


def message_row(obj: Message, maps, tz) -> dict:
    """``MessageSerializer``, written out by hand (see ``consultation_detail``)."""
    author = obj.author
    shown = getattr(obj, "shown_attachments", None)
    return {
        "id": obj.pk,
        "kind": obj.kind,
        "internal": obj.internal,
        "body": obj.body,
        "author": {"id": author.pk, "name": author.display_name},
        "author_office": maps.office_json(obj.author_office_id),
        "mentions": obj.mentions,
        "created_at": _time(obj.created_at, tz),
        "attachments": [attachment_row(a, tz) for a in (obj.attachments.all() if shown is None else shown)],
    }


def consultation_detail(obj: Consultation, *, user, messages, attachments, maps, now) -> dict:
    """The representation of ``ConsultationDetailSerializer``, written out by hand
    like ``consultation_row``: the generic serializers cost more than the rest of
    a detail request. A test keeps both identical."""
    tz = timezone.get_current_timezone()
    data = consultation_row(obj, maps, now)
    data["messages"] = [message_row(message, maps, tz) for message in messages]
    data["attachments"] = [attachment_row(attachment, tz) for attachment in attachments]
    data["routing_rule_set_version"] = maps.rule_set_versions.get(obj.rule_set_id)
    data["sla_policy"] = obj.sla_policy.slug
    data["allowed_actions"] = actions_for(user, obj)
    data["paused_since"] = _time(obj.paused_since, tz)
    data["rating"] = obj.rating
    data["rated_at"] = _time(obj.rated_at, tz)
    data["merged_into"] = merged_into_json(obj)
    return data


class EventSerializer(serializers.ModelSerializer):
    actor = UserRefSerializer(allow_null=True)
    from_office = serializers.SerializerMethodField()
    to_office = serializers.SerializerMethodField()

    @extend_schema_field(OfficeSummarySerializer(allow_null=True))
    def get_from_office(self, obj) -> dict | None:
        return _maps(self).office_json(obj.from_office_id)

    @extend_schema_field(OfficeSummarySerializer(allow_null=True))
    def get_to_office(self, obj) -> dict | None:
        return _maps(self).office_json(obj.to_office_id)

    class Meta:
        model = Event
        fields = [
            "id",
            "kind",
            "actor",
            "from_status",
            "to_status",
            "from_office",
            "to_office",
            "reason",
            "data",
            "internal",
            "created_at",
        ]


def _bounded_files(files):
    """At most ``BANSO_MAX_FILES_PER_REQUEST`` files; their size is judged by the
    service from each upload's own size, before it is read."""
    from consult.attachments import max_files, too_many_files_message

    if len(files) > max_files():
        raise serializers.ValidationError(too_many_files_message())
    return files


class FileRequestSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=services.MAX_BODY, trim_whitespace=False)
    policy_area = serializers.SlugField()
    co_filers = serializers.ListField(
        child=serializers.RegexField(r"^\d{6}$"), required=False, default=list, max_length=50
    )
    desired_by = serializers.DateField(required=False, allow_null=True, default=None)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, default=Urgency.NORMAL)
    filer = serializers.RegexField(r"^\d{6}$", required=False, allow_null=True, default=None, help_text="事務局のみ")
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)

    def validate_attachments(self, files):
        return _bounded_files(files)


class MessageRequestSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=services.MAX_BODY, trim_whitespace=False)
    internal = serializers.BooleanField(required=False, default=False)
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    template = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1,
        help_text="The reply template the text started from: its use is counted once the reply is stored",
    )  # fmt: skip

    def validate_attachments(self, files):
        return _bounded_files(files)


class ActionRequestSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.MAX_BODY)


class TransferRequestSerializer(serializers.Serializer):
    office = serializers.SlugField()
    reason = serializers.CharField(max_length=2000)


class MergeRequestSerializer(serializers.Serializer):
    into = serializers.IntegerField(help_text="The id of the consultation to keep (this one is merged into it)")
    reason = serializers.CharField(max_length=2000)


class UnmergeRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RateRequestSerializer(serializers.Serializer):
    # 1–5: checked by consult.services.rate, which names the field too.
    rating = serializers.IntegerField(help_text="1 (not satisfied) to 5 (very satisfied)")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class BulkRequestSerializer(serializers.Serializer):
    """One action on a selection (consult.services.apply_to_each, which checks what the
    action needs once for the whole selection)."""

    action = serializers.ChoiceField(choices=services.BULK_ACTIONS)
    ids = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=False, max_length=services.MAX_BULK,
        help_text=f"相談の id（最大 {services.MAX_BULK} 件）",
    )  # fmt: skip
    assignee = serializers.IntegerField(required=False, allow_null=True, help_text="assign: 担当者の利用者 id")
    office = serializers.SlugField(required=False, allow_blank=True, help_text="transfer, collaborate: 部局のスラッグ")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                   help_text="transfer: 移送の理由（全件に同じ理由）")  # fmt: skip


class BulkItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ok = serializers.BooleanField()
    status = serializers.IntegerField(required=False, help_text="404, 403, 409 or 400, as for one at a time")
    error = serializers.CharField(required=False)


class BulkResultSerializer(serializers.Serializer):
    results = BulkItemSerializer(many=True)


class InviteRequestSerializer(serializers.Serializer):
    office = serializers.SlugField()
