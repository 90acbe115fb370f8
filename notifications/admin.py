"""Notifications in the admin: failures are visible and can be retried; the
admin never changes delivery state itself, it calls the services."""

from django.contrib import admin, messages

from config.admin import ReadOnlyAdmin

from . import services
from .models import Alarm, EmailStatus, Follow, Notification, Preference, WebhookDelivery, WebhookEndpoint


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "recipient", "kind", "consultation", "created_at", "delivered_at", "email_status",
                    "email_attempts", "read_at"]  # fmt: skip
    list_filter = ["email_status", "kind"]
    search_fields = ["recipient__email", "consultation__reference"]
    list_select_related = ["recipient", "consultation"]
    actions = ["retry_email"]

    @admin.action(description="失敗したメールを再送する")
    def retry_email(self, request, queryset):
        count = services.retry_emails(
            notification_ids=queryset.filter(email_status=EmailStatus.FAILED).values_list("pk", flat=True)
        )
        self.message_user(request, f"{count} 件のメールを再送します", messages.SUCCESS)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["office", "url", "is_active", "consecutive_failures", "disabled_at"]
    list_filter = ["is_active"]
    readonly_fields = ["is_active", "consecutive_failures", "disabled_at", "disabled_reason", "created_at"]
    actions = ["reenable"]

    def save_model(self, request, obj, form, change):
        if change:
            services.validate_webhook_url(obj.url)
            super().save_model(request, obj, form, change)
            services.webhooks_changed()
        else:
            created = services.add_webhook(office=obj.office, url=obj.url, secret=obj.secret)
            obj.pk = created.pk

    @admin.action(description="再び有効にする")
    def reenable(self, request, queryset):
        for endpoint in queryset:
            services.reenable_webhook(endpoint=endpoint)
        self.message_user(request, f"{queryset.count()} 件を有効にしました", messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "endpoint", "event", "status", "attempts", "last_status_code", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    actions = ["retry"]

    @admin.action(description="失敗した送信を再試行する")
    def retry(self, request, queryset):
        count = services.retry_webhooks(delivery_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} 件を再試行します", messages.SUCCESS)


@admin.register(Alarm)
class AlarmAdmin(ReadOnlyAdmin):
    list_display = ["consultation", "kind", "deadline", "due_at", "fired_at", "claimed_at"]
    list_filter = ["kind"]


admin.site.register(Preference, ReadOnlyAdmin)
admin.site.register(Follow, ReadOnlyAdmin)
