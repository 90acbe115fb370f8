import django_filters
from django.db.models import Q
from django.utils import timezone

from consult import rules
from consult.lifecycle import Status
from consult.models import Consultation

ORDERINGS = ["created_at", "updated_at", "first_response_due_at", "resolution_due_at", "reference", "status"]


class ConsultationFilter(django_filters.FilterSet):
    status = django_filters.CharFilter(method="filter_status", help_text="状態（カンマ区切りで複数）")
    office = django_filters.CharFilter(field_name="primary_office__slug", help_text="担当部局のスラッグ")
    policy_area = django_filters.CharFilter(field_name="policy_area__slug")
    prefecture = django_filters.CharFilter(field_name="filer__prefecture_id", help_text="提出団体の都道府県コード")
    overdue = django_filters.BooleanFilter(method="filter_overdue", help_text="期限切れのみ（true）／除く（false）")
    q = django_filters.CharFilter(method="filter_text", help_text="件名・本文・受付番号")
    ordering = django_filters.OrderingFilter(fields=[(name, name) for name in ORDERINGS])

    class Meta:
        model = Consultation
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        statuses = [part.strip() for part in value.split(",") if part.strip()]
        unknown = [s for s in statuses if s not in Status.LABELS]
        if unknown:
            from rest_framework.exceptions import ValidationError

            raise ValidationError(
                {"status": [f"unknown status {', '.join(unknown)}; one of {', '.join(Status.LABELS)}"]}
            )
        return queryset.filter(status__in=statuses)

    def filter_overdue(self, queryset, name, value):
        late = rules.overdue_q(timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(reference__iexact=value) | Q(title__icontains=value) | Q(body__icontains=value))
