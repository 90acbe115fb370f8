from django.contrib import admin

from . import services
from .models import Kpi, Measure, Milestone, Revision, Window


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0


class KpiInline(admin.TabularInline):
    model = Kpi
    extra = 0
    exclude = ["latest_by"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor", "origin", "changes"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["name", "ministry", "kind", "is_active", "updated_at"]
    list_filter = ["kind", "ministry", "is_active"]
    search_fields = ["name", "summary", "slug"]
    filter_horizontal = ["policy_areas"]
    inlines = [WindowInline, KpiInline, MilestoneInline, RevisionInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            services.record_revision(
                measure=obj, actor=request.user, origin="admin",
                changes={name: [str(form.initial.get(name, "")), str(form.cleaned_data.get(name, ""))]
                         for name in form.changed_data},
            )  # fmt: skip
