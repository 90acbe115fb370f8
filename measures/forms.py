"""The secretariat's forms on a measure's edit page. They check the input's
shape; the services decide and record the change."""

from django import forms
from django.utils.translation import gettext_lazy

from routing.models import Ministry, Office, PolicyArea

from .models import Kind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MeasureForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("施策名"), max_length=200)
    summary = forms.CharField(label=gettext_lazy("概要"), widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(label=gettext_lazy("種別"), choices=Kind.choices)
    ministry = forms.ModelChoiceField(
        label=gettext_lazy("担当府省庁"), queryset=Ministry.objects.order_by("sort_order")
    )
    office = forms.ModelChoiceField(
        label=gettext_lazy("担当部局"), queryset=Office.objects.order_by("ministry__sort_order", "slug"), required=False
    )
    policy_areas = forms.ModelMultipleChoiceField(
        label=gettext_lazy("施策分野"), queryset=PolicyArea.objects.order_by("sort_order"),
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    eligibility = forms.CharField(
        label=gettext_lazy("対象（申請できる者）"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    budget_line = forms.CharField(label=gettext_lazy("予算事業"), max_length=200, required=False)
    contact = forms.CharField(label=gettext_lazy("問い合わせ先"), max_length=200, required=False)
    url = forms.URLField(label=gettext_lazy("公式ページ"), max_length=500, required=False, assume_scheme="https")
    source = forms.CharField(label=gettext_lazy("出典"), widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(label=gettext_lazy("掲載中"), required=False)

    @classmethod
    def of(cls, measure, data=None):
        initial = {name: getattr(measure, name) for name in ("name", "summary", "kind", "eligibility", "budget_line",
                                                             "contact", "url", "source", "is_active")}  # fmt: skip
        initial |= {"ministry": measure.ministry_id, "office": measure.office_id,
                    "policy_areas": [area.pk for area in measure.policy_areas.all()]}  # fmt: skip
        return cls(data, initial=initial)


class WindowForm(forms.Form):
    opens_on = forms.DateField(label=gettext_lazy("公募開始日"), widget=DATE)
    closes_on = forms.DateField(label=gettext_lazy("公募締切日（空欄は随時）"), widget=DATE, required=False)
    note = forms.CharField(label=gettext_lazy("備考"), max_length=200, required=False)


class KpiForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("指標"), max_length=300)
    target = forms.CharField(label=gettext_lazy("目標値"), max_length=64, required=False)
    unit = forms.CharField(label=gettext_lazy("単位"), max_length=32, required=False)
    target_year = forms.IntegerField(label=gettext_lazy("目標年度"), min_value=2000, max_value=2100, required=False)
    source = forms.CharField(label=gettext_lazy("出典"), max_length=300, required=False)


class MilestoneForm(forms.Form):
    fiscal_year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    description = forms.CharField(label=gettext_lazy("内容"), max_length=300)
