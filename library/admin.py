from django.contrib import admin

from .models import Entry, EntryVersion


class VersionInline(admin.TabularInline):
    model = EntryVersion
    extra = 0
    can_delete = False
    fields = ["number", "title", "editor", "note", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    """Read-only here: review, edits and publishing go through the library pages (library.services)."""

    list_display = ["id", "title", "status", "policy_area", "published_at", "view_count", "useful_count"]
    list_filter = ["status", "policy_area"]
    search_fields = ["title"]
    inlines = [VersionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
