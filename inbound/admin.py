"""Inbound mail in the admin: what arrived and what became of it; retrying calls
the service, the admin never changes a mail itself."""

from django.contrib import admin, messages
from django.utils.html import format_html

from config.admin import ReadOnlyAdmin

from . import selectors, services
from .models import InboundMail


@admin.register(InboundMail)
class InboundMailAdmin(ReadOnlyAdmin):
    list_display = ["id", "received_at", "source", "from_address", "subject", "status", "outcome", "consultation",
                    "deliveries", "notice_state"]  # fmt: skip
    list_filter = ["status", "outcome", "source", "notice_state"]
    search_fields = ["from_address", "envelope_from", "mailbox", "message_id", "subject"]
    list_select_related = ["consultation", "author"]
    exclude = ["raw"]
    readonly_fields = ["original"]
    actions = ["retry"]

    def get_queryset(self, request):
        return selectors.mails()

    @admin.display(description="原文（先頭）")
    def original(self, obj):
        raw = bytes(InboundMail.objects.filter(pk=obj.pk).values_list("raw", flat=True).first() or b"")
        return format_html("<pre>{}</pre>", raw[:20_000].decode("utf-8", errors="replace"))

    @admin.action(description="失敗・拒否したメールを処理し直す")
    def retry(self, request, queryset):
        count = services.retry(mail_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} 件のメールを処理し直します", messages.SUCCESS)
