from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from .models import OfficeMembership, User


class MembershipInline(admin.TabularInline):
    model = OfficeMembership
    extra = 0
    autocomplete_fields = ["office"]


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
