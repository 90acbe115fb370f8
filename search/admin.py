from django.contrib import admin

from .models import AttachmentText, ConsultationText


@admin.register(ConsultationText)
class ConsultationTextAdmin(admin.ModelAdmin):
    """Read only: the texts are built by ``search.services`` (``manage.py build_search_text``)."""

    list_display = ["consultation", "built_at", "stamp"]
    fields = ["consultation", "built_at", "stamp", "public_text", "internal_text"]
    readonly_fields = fields
    search_fields = ["consultation__reference"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AttachmentText)
class AttachmentTextAdmin(admin.ModelAdmin):
    list_display = ["attachment", "error"]
    fields = ["attachment", "error", "text"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
