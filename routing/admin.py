from django import forms
from django.contrib import admin, messages

from . import engine, selectors, services
from .models import (
    ClosedDay,
    Jurisdiction,
    LocalGovernment,
    Ministry,
    Office,
    OfficeSystem,
    PolicyArea,
    Prefecture,
    Rule,
    RuleSet,
    SlaPolicy,
)


@admin.register(Prefecture)
class PrefectureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kana", "name_en"]
    search_fields = ["code", "name", "kana"]


@admin.register(LocalGovernment)
class LocalGovernmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kana", "prefecture", "kind", "can_file"]
    list_filter = ["kind", "prefecture"]
    list_select_related = ["prefecture"]
    search_fields = ["code", "name", "kana_search"]
    readonly_fields = ["kana_search"]
    raw_id_fields = ["city"]


@admin.register(Ministry)
class MinistryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "name_en", "parent"]
    search_fields = ["slug", "name"]


@admin.register(OfficeSystem)
class OfficeSystemAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "short_name", "ministry"]


class JurisdictionInline(admin.TabularInline):
    model = Jurisdiction
    extra = 0
    fk_name = "office"
    raw_id_fields = ["local_government"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "kind", "ministry", "system", "valid_from", "valid_to"]
    list_filter = ["kind", "ministry", "system"]
    list_select_related = ["ministry", "system"]
    search_fields = ["slug", "name", "name_en"]
    inlines = [JurisdictionInline]


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["system", "prefecture", "local_government", "matter", "office", "valid_from", "valid_to"]
    list_filter = ["system", "matter"]
    list_select_related = ["system", "prefecture", "local_government__prefecture", "office"]
    raw_id_fields = ["local_government"]


@admin.register(PolicyArea)
class PolicyAreaAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_ja", "name_en", "lead_ministry", "default_route"]
    search_fields = ["slug", "name_ja", "name_en"]
    filter_horizontal = ["lead_ministries"]


# --- rules and SLA policies ------------------------------------------------------


@admin.register(ClosedDay)
class ClosedDayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "office"]
    list_filter = ["office"]
    date_hierarchy = "date"


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "first_response_target", "resolution_target", "unit", "is_default"]


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ["name", "priority", "enabled", "conditions", "actions", "description"]

    def clean(self):
        """Validate the rule on its own; the whole set is validated again when published."""
        cleaned = super().clean()
        if self.errors:
            return cleaned
        spec = engine.RuleSpec(
            name=cleaned.get("name") or "",
            priority=cleaned.get("priority") or 0,
            conditions=cleaned.get("conditions") or {},
            actions=cleaned.get("actions") or {},
        )
        for error in engine.validate_rules([spec], selectors.reference_snapshot()):
            target = error.field.split(".")[0] if error.field.split(".")[0] in self.fields else None
            self.add_error(target, f"{error.field}: {error.message}")
        return cleaned


class RuleInline(admin.StackedInline):
    model = Rule
    form = RuleForm
    extra = 0

    def has_add_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_published


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "version", "effective_from", "published_at", "published_by"]
    list_filter = ["status"]
    inlines = [RuleInline]
    actions = ["publish", "new_draft", "replay"]
    readonly_fields = ["status", "version", "published_at", "published_by", "based_on"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return [*self.readonly_fields, "name", "effective_from", "note"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="選択した下書きを検証して公開する")
    def publish(self, request, queryset):
        for draft in queryset:
            try:
                published = services.publish_rule_set(
                    draft=draft, actor=request.user, effective_from=draft.effective_from, note=draft.note
                )
            except engine.RuleSetInvalid as exc:
                for error in exc.errors:
                    self.message_user(request, f"{draft}: {error}", level=messages.ERROR)
            else:
                self.message_user(request, f"{published} を公開しました。", level=messages.SUCCESS)

    @admin.action(description="過去の相談で試す（直近1万件に再適用して差分を表示）")
    def replay(self, request, queryset):
        from .replay import replay_rule_set

        for rule_set in queryset:
            try:
                report = replay_rule_set(rule_set=rule_set, limit=10_000)
            except engine.RuleSetInvalid as exc:
                self.message_user(request, f"{rule_set}: {exc}", level=messages.ERROR)
                continue
            for line in report.lines()[:20]:
                self.message_user(request, f"{rule_set}: {line}", level=messages.INFO)

    @admin.action(description="選択した版から下書きを作る")
    def new_draft(self, request, queryset):
        for rule_set in queryset:
            draft = services.create_draft(actor=request.user, based_on=rule_set)
            self.message_user(request, f"{draft} を作成しました。", level=messages.SUCCESS)
