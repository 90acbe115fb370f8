"""The admin shows consultations and their history read-only: state changes go
through the services (the API and the pages), never through the admin."""

from django.contrib import admin

from config.admin import ReadOnlyAdmin

from .models import Attachment, Consultation, Event, Message


class EventInline(admin.TabularInline):
    model = Event
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "from_office", "to_office", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "status", "filer", "primary_office", "created_at", "first_response_due_at"]
    list_filter = ["status", "policy_area", "urgency"]
    list_select_related = ["filer__prefecture", "primary_office"]
    search_fields = ["reference", "title"]
    date_hierarchy = "created_at"
    inlines = [EventInline]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["consultation", "kind", "actor", "from_status", "to_status", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["consultation", "actor"]
    search_fields = ["consultation__reference"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["consultation", "kind", "internal", "author", "created_at"]
    list_select_related = ["consultation", "author"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["consultation", "name", "content_type", "size", "created_at"]
    list_select_related = ["consultation"]
