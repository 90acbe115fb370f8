from django.contrib import admin

from .models import Jurisdiction, LocalGovernment, Ministry, Office, OfficeSystem, PolicyArea, Prefecture


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
