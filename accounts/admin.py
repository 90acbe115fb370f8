from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from . import services
from .models import Absence, ApiToken, OfficeMembership, User


class MembershipInline(admin.TabularInline):
    model = OfficeMembership
    extra = 0
    autocomplete_fields = ["office"]
    fields = ["office", "is_lead", "started_on", "ended_on"]


class BansoUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "display_name", "role", "local_government"]


class BansoUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict[str, type[forms.Field]] = {}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = BansoUserChangeForm
    add_form = BansoUserCreationForm
    ordering = ["email"]
    list_display = ["email", "display_name", "role", "local_government", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    list_select_related = ["local_government__prefecture"]
    search_fields = ["email", "display_name"]
    autocomplete_fields = ["local_government"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("所属", {"fields": ["display_name", "role", "local_government"]}),
        ("権限", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("日時", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "display_name", "role", "local_government", "password1", "password2"],
            },
        ),
    ]
    filter_horizontal = ["groups"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Who holds a token and until when; never the key or anything derived from
    it (knox stores a digest, which is not shown either). Deleting one revokes it."""

    list_display = ["user", "created", "expiry", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__display_name"]
    fields = ["user", "created", "expiry", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # tokens are issued by the token endpoint, to their owner

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.revoke_tokens(user=obj.user, token_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for token in queryset.select_related("user"):
            services.revoke_tokens(user=token.user, token_id=token.pk)


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    """Who is away and who stands in, for the secretariat to check. People set
    their own (the absence page, ``me/absence/``): here they are only removed,
    through the service."""

    list_display = ["user", "starts_on", "ends_on", "deputy"]
    list_select_related = ["user", "deputy"]
    search_fields = ["user__email", "user__display_name", "deputy__display_name"]
    list_filter = ["starts_on"]
    fields = ["user", "starts_on", "ends_on", "deputy", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.clear_absence(user=obj.user)

    def delete_queryset(self, request, queryset):
        for absence in queryset.select_related("user"):
            services.clear_absence(user=absence.user)
