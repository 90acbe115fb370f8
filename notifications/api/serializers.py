from rest_framework import serializers

from ..kinds import Delivery, Kind, label
from ..texts import notification_url, summary


class NotificationSerializer(serializers.Serializer):
    """One inbox item: it names the event, the actor and the time, and links to the
    consultation (or, for a followed measure's notice, to the measure)."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    kind_label = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    consultation = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    read = serializers.SerializerMethodField()

    # In the request's language (LocaleMiddleware: Accept-Language or the language cookie).
    def get_kind_label(self, obj) -> str:
        return label(obj.kind)

    def get_summary(self, obj) -> str:
        return summary(obj)

    def get_consultation(self, obj) -> dict | None:
        if obj.consultation_id is None:
            return None
        data = obj.data or {}
        return {"id": obj.consultation_id, "reference": data.get("reference", ""), "title": data.get("title", "")}

    def get_actor(self, obj) -> dict | None:
        if obj.actor_id is None:
            return None
        return {"id": obj.actor_id, "display_name": obj.actor.display_name}

    def get_url(self, obj) -> str:
        return notification_url(obj)

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class PreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    label = serializers.CharField(read_only=True)
    delivery = serializers.ChoiceField(choices=Delivery.choices)
    can_turn_off = serializers.BooleanField(read_only=True)


class PreferencesSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=[("ja", "日本語"), ("en", "English")])
    preferences = PreferenceSerializer(many=True)


class PreferencesUpdateSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=[("ja", "日本語"), ("en", "English")], required=False)
    preferences = serializers.DictField(
        child=serializers.CharField(), required=False, help_text="kind → immediate | digest | off"
    )


class FollowSerializer(serializers.Serializer):
    following = serializers.BooleanField()
