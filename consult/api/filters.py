import django_filters
from django_filters.utils import translate_validation
from rest_framework.exceptions import ValidationError

from consult.lifecycle import Status
from consult.models import Consultation
from consult.selectors import NEWEST_FIRST, ORDERINGS, RANKED, ListFilters


class ConsultationFilter(django_filters.FilterSet):
    """The list's query parameters (API.md), parsed and validated here and
    described in the schema; ``consult.selectors.consultation_list`` applies them,
    as it does for every list page."""

    status = django_filters.CharFilter(method="parsed", help_text="状態（カンマ区切りで複数）")
    office = django_filters.CharFilter(field_name="primary_office__slug", help_text="担当部局のスラッグ")
    policy_area = django_filters.CharFilter(field_name="policy_area__slug")
    prefecture = django_filters.CharFilter(field_name="filer__prefecture_id", help_text="提出団体の都道府県コード")
    overdue = django_filters.BooleanFilter(method="parsed", help_text="期限切れのみ（true）／除く（false）")
    q = django_filters.CharFilter(
        method="parsed", help_text="検索語（件名・本文・受付番号・やり取り・添付ファイル）。関連度順"
    )
    ordering = django_filters.OrderingFilter(fields=[(name, name) for name in ORDERINGS])

    class Meta:
        model = Consultation
        fields: list[str] = []

    def parsed(self, queryset, name, value):
        return queryset  # applied by consultation_list, never here

    def list_filters(self) -> ListFilters:
        """The parameters as the selector's filters, or a 400 naming the field."""
        if not self.is_valid():
            raise translate_validation(self.errors)
        data = self.form.cleaned_data
        statuses = tuple(part.strip() for part in (data.get("status") or "").split(",") if part.strip())
        unknown = [s for s in statuses if s not in Status.LABELS]
        if unknown:
            raise ValidationError(
                {"status": [f"unknown status {', '.join(unknown)}; one of {', '.join(Status.LABELS)}"]}
            )
        return ListFilters(
            status=statuses,
            office=data.get("office") or "",
            policy_area=data.get("policy_area") or "",
            prefecture=data.get("prefecture") or "",
            overdue=data.get("overdue"),
            q=(data.get("q") or "").strip(),
            # With q and no ordering asked for, the best match first.
            ordering=tuple(data.get("ordering") or ()) or (RANKED if (data.get("q") or "").strip() else NEWEST_FIRST),
        )
