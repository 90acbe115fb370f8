"""The library API shapes (API.md): published entries ``{id, title, question,
answer, policy_area, local_government | null, measures, published_at,
useful_count}``, with a few more fields beside them."""

from rest_framework import serializers

from library import selectors
from library.services import MAX_MEASURES, MAX_TAG, MAX_TAGS, MAX_TEXT, MAX_TITLE


class EntryLocalGovernmentSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class EntrySerializer(serializers.Serializer):
    """The declared fields are the schema; rows are built by ``entry_row``."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    question = serializers.CharField()
    answer = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    policy_area = serializers.CharField(help_text="policy area slug")
    policy_area_name = serializers.CharField()
    local_government = EntryLocalGovernmentSerializer(allow_null=True, help_text="the filer, only if the filer agreed")
    measures = serializers.ListField(child=serializers.IntegerField(), help_text="related measure ids")
    published_at = serializers.DateTimeField(allow_null=True)
    useful_count = serializers.IntegerField()
    consultation = serializers.IntegerField(
        allow_null=True, help_text="the source consultation, only for those who may see it"
    )
    status = serializers.CharField(help_text="draft, published or withdrawn")
    version = serializers.IntegerField(allow_null=True)

    def to_representation(self, entry) -> dict:
        return entry_row(entry, version=self.context.get("version"), linkable=self.context.get("linkable", set()))


def entry_row(entry, *, version=None, linkable=frozenset()) -> dict:
    version = version or entry.published or entry.current
    slug, area_name = selectors.policy_area_of(entry)
    return {
        "id": entry.pk,
        "title": version.title if version else entry.title,
        "question": version.question if version else "",
        "answer": version.answer if version else "",
        "tags": list(version.tags) if version else [],
        "policy_area": slug,
        "policy_area_name": area_name,
        "local_government": selectors.local_government_of(entry),
        "measures": [measure.pk for measure in entry.measures.all()],
        "published_at": entry.published_at.isoformat() if entry.published_at else None,
        "useful_count": entry.useful_count,
        "consultation": entry.source_id if entry.source_id in linkable else None,
        "status": entry.status,
        "version": version.number if version else None,
    }


class LibraryQuery(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    policy_area = serializers.SlugField(required=False, allow_blank=True, default="")
    status = serializers.CharField(required=False, allow_blank=True, max_length=16, default="")


class EntryEditSerializer(serializers.Serializer):
    """A partial edit: the fields left out keep the latest version's value."""

    title = serializers.CharField(required=False, max_length=MAX_TITLE)
    question = serializers.CharField(required=False, max_length=MAX_TEXT)
    answer = serializers.CharField(required=False, max_length=MAX_TEXT)
    tags = serializers.ListField(child=serializers.CharField(max_length=MAX_TAG), required=False, max_length=MAX_TAGS)
    policy_area = serializers.SlugField(required=False, help_text="policy area slug")
    measures = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=MAX_MEASURES,
        help_text="related measure ids (replaces the list)",
    )  # fmt: skip
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="",
                                 help_text="why it changed, kept with the version")  # fmt: skip


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class VersionEditorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    question = serializers.CharField()
    answer = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    editor = VersionEditorSerializer(help_text="who wrote this version")
    note = serializers.CharField(help_text="why it changed")
    created_at = serializers.DateTimeField(help_text="when")
    published = serializers.BooleanField(help_text="the version readers see now")
    current = serializers.BooleanField(help_text="the latest version")


def version_row(version, entry) -> dict:
    return {
        "number": version.number,
        "title": version.title,
        "question": version.question,
        "answer": version.answer,
        "tags": list(version.tags),
        "editor": {"id": version.editor_id, "name": version.editor.display_name},
        "note": version.note,
        "created_at": version.created_at.isoformat(),
        "published": version.pk == entry.published_id and entry.status == "published",
        "current": version.pk == entry.current_id,
    }


class ProposalRequestSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=MAX_TITLE)
    question = serializers.CharField(max_length=MAX_TEXT)
    answer = serializers.CharField(max_length=MAX_TEXT)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=MAX_TAG), required=False, max_length=MAX_TAGS, default=list
    )
    measures = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=MAX_MEASURES,
        help_text="related measure ids (default: those introduced in the answer)",
    )  # fmt: skip


class UsefulSerializer(serializers.Serializer):
    useful = serializers.BooleanField(help_text="the caller marked it useful")
    counted = serializers.BooleanField(help_text="false when the caller had already marked it")
    useful_count = serializers.IntegerField()


class SimilarQuery(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    body = serializers.CharField(required=False, allow_blank=True, max_length=100_000, default="")
    policy_area = serializers.SlugField(required=False, allow_blank=True, default="")


class SimilarSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["library", "consultation"])
    id = serializers.IntegerField()
    title = serializers.CharField()
    score = serializers.FloatField()
