"""The rollup is derived data: shown read-only, rebuilt by its beat task."""

from django.contrib import admin

from .models import ConsultationFigures, RefreshMark


@admin.register(ConsultationFigures, RefreshMark)
class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
