"""The new-consultation form. Its rules are the filing service's own: the
fields only parse what was typed, and ``clean`` runs the service's checks."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from config.i18n import english, localised
from consult import services
from consult.models import Urgency
from frontend.views.common import add_service_errors
from routing import selectors as routing_selectors
from routing.models import LocalGovernment

# The strategy's groups of policy areas (PolicyArea.group), for English pages.
GROUP_NAMES = {
    "1 地方に仕事をつくる": gettext_lazy("1 地方に仕事をつくる"),
    "2 人の流れをつくる": gettext_lazy("2 人の流れをつくる"),
    "3 結婚・出産・子育ての希望をかなえる": gettext_lazy("3 結婚・出産・子育ての希望をかなえる"),
    "4 魅力的な地域をつくる": gettext_lazy("4 魅力的な地域をつくる"),
    "デジタル実装の基礎条件整備": gettext_lazy("デジタル実装の基礎条件整備"),
    "交付金・モデル地域": gettext_lazy("交付金・モデル地域"),
}
URGENCY_LABELS = {
    Urgency.NORMAL: gettext_lazy("通常"),
    Urgency.URGENT: gettext_lazy("緊急（急いで回答が必要）"),
}
SEARCH_LIMIT = 20


def active_policy_areas() -> list:
    return list(routing_selectors.policy_areas().filter(routing_selectors.active_on(timezone.localdate())))


def area_name(area) -> str:
    return localised(area.name_ja, area.name_en)


def area_description(area) -> str:
    """What the model has to describe an area: its lead ministries (the group
    is the legend of the fieldset the area sits in)."""
    if english():
        leads = ", ".join(ministry.name_en for ministry in area.lead_ministries.all()) or _("事務局")
    else:
        leads = area.lead_ministry
    return _("主担当: %(leads)s") % {"leads": leads}


def local_government_label(lg: LocalGovernment) -> str:
    return f"{lg}（{lg.code}）"


class SearchInput(forms.TextInput):
    input_type = "search"


class CodesField(forms.MultipleChoiceField):
    """Local-government codes: any code is accepted here, the service says which exist."""

    def valid_value(self, value) -> bool:
        return True


class CodeField(forms.ChoiceField):
    def valid_value(self, value) -> bool:
        return True


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


@dataclass
class Option:
    value: str
    id: str
    label: str
    hint: str
    checked: bool


class FilingForm(forms.Form):
    filer = CodeField(
        label=gettext_lazy("提出団体"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("事務局が提出するときは提出団体（団体コード）を指定してください")},
    )
    filer_q = forms.CharField(
        label=gettext_lazy("提出団体を検索"),
        required=False,
        max_length=64,
        widget=SearchInput(attrs={"autocomplete": "off"}),
    )
    policy_area = forms.ChoiceField(
        label=gettext_lazy("施策分野"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("施策分野を選んでください")},
    )
    title = forms.CharField(
        label=gettext_lazy("件名"),
        error_messages={"required": gettext_lazy("件名を入力してください")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = forms.CharField(
        label=gettext_lazy("相談内容"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": gettext_lazy("相談内容を入力してください")},
    )
    desired_by = forms.DateField(
        label=gettext_lazy("回答希望日"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("回答希望日は 2026-12-01 のように年-月-日で入力してください")},
    )
    urgency = forms.ChoiceField(
        label=gettext_lazy("緊急度"),
        widget=forms.RadioSelect,
        choices=[(value, URGENCY_LABELS.get(value, label)) for value, label in Urgency.choices],
        initial=Urgency.NORMAL,
        error_messages={"required": gettext_lazy("緊急度を選んでください")},
    )
    co_filer_q = forms.CharField(
        label=gettext_lazy("団体を検索"),
        required=False,
        max_length=64,
        widget=SearchInput(attrs={"autocomplete": "off"}),
    )
    co_filers = CodesField(label=gettext_lazy("共同提出団体"), required=False, widget=forms.CheckboxSelectMultiple)
    attachments = MultipleFileField(label=gettext_lazy("添付ファイル"), required=False)

    def __init__(self, *args, user, areas=None, kept_files=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.kept_files = list(kept_files)
        self.areas = {area.slug: area for area in (areas if areas is not None else active_policy_areas())}
        self.fields["policy_area"].choices = [(slug, area_name(area)) for slug, area in self.areas.items()]
        if user.role != Role.SECRETARIAT:
            del self.fields["filer"]
            del self.fields["filer_q"]
        # With htmx the matches follow the typing; the 検索 button does the same without it.
        for name, kind, target in (("co_filer_q", "co_filers", "co-filer"), ("filer_q", "filer", "filer")):
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {
                        "hx-get": reverse("consultation-new-search"),
                        "hx-trigger": "input changed delay:300ms, search",
                        "hx-target": f"#{target}-choices",
                        "hx-include": f"#{target}-choices [name='{kind}']",
                        "hx-vals": json.dumps({"kind": kind}),
                        "hx-sync": "this:replace",
                        "aria-controls": f"{target}-choices",
                    }
                )
        self.validated = None  # what the service's checks returned: (title, area, filer, co-filers)

    # --- values as entered (bound) or kept (initial) -----------------------------------------

    def value(self, name):
        if self.is_bound:
            if name == "co_filers":
                return [code for code in self.data.getlist("co_filers") if code]
            return self.data.get(name, "")
        value = self.initial.get(name, self.fields[name].initial if name in self.fields else "")
        return value if value is not None else ""

    def file_errors(self, uploads) -> list[str]:
        """Files are kept only up to the attachment limit, and only so many; what
        they contain is judged by the service when filing."""
        from consult.attachments import max_bytes, max_files, too_many_files_message

        limit = max_bytes()
        errors = [
            _("%(name)s は大きすぎます（上限 %(mb)d MB）") % {"name": upload.name, "mb": limit // (1024 * 1024)}
            for upload in uploads
            if upload.size > limit
        ]
        if len(self.kept_files) + len(uploads) > max_files():
            errors.append(too_many_files_message())
        return errors

    def clean(self):
        data = super().clean()
        try:
            self.validated = services.validate_filing(
                self.user,
                data.get("title", self.data.get("title", "")),
                data.get("body", self.data.get("body", "")),
                data.get("policy_area") or self.data.get("policy_area"),
                data.get("co_filers", []),
                data.get("urgency", self.data.get("urgency")),
                data.get("filer") if self.user.role == Role.SECRETARIAT else None,
                data.get("desired_by"),
                timezone.now(),
            )
        except ValidationError as error:
            # A field that already failed to parse keeps its own, clearer message.
            fresh = {
                name: messages
                for name, messages in error.message_dict.items()
                if name not in self._errors or not self._errors[name]
            }
            if fresh:
                add_service_errors(self, ValidationError(fresh))
        return data

    # --- what the template shows -------------------------------------------------------------

    def policy_area_groups(self) -> list[dict]:
        """The policy-area radios in the strategy's groups, each with its description."""
        chosen = str(self.value("policy_area"))
        groups: dict[str, dict] = {}
        for index, (slug, area) in enumerate(self.areas.items()):
            group = groups.setdefault(area.group, {"name": GROUP_NAMES.get(area.group, area.group), "options": []})
            group["options"].append(
                Option(
                    value=slug,
                    id=f"{self['policy_area'].auto_id}_{index}",
                    label=area_name(area),
                    hint=area_description(area),
                    checked=slug == chosen,
                )
            )
        return list(groups.values())

    def chosen_filer(self) -> LocalGovernment | None:
        if "filer" not in self.fields:
            return None
        code = str(self.value("filer"))
        return routing_selectors.filing_references()[1].get(code) if code else None

    def chosen_co_filers(self) -> list:
        codes = self.value("co_filers") or []
        known = routing_selectors.filing_references()[1]
        return [(code, known.get(code)) for code in dict.fromkeys(codes)]


def search_choices(*, kind: str, query: str, chosen: list[str], user) -> dict:
    """The checkboxes (co-filers) or radios (filer) of a local-government search:
    the chosen ones first, still chosen, then the matches not chosen yet."""
    known = routing_selectors.filing_references()[1]
    chosen = [code for code in dict.fromkeys(chosen) if code]
    name = "co_filers" if kind == "co_filers" else "filer"
    options = [
        Option(
            value=code,
            id="",
            label=local_government_label(known[code]) if code in known else code,
            hint="",
            checked=True,
        )
        for code in chosen
    ]
    results, more = [], False
    query = (query or "").strip()
    if query:
        exclude = set(chosen)
        if kind == "co_filers" and user.role == Role.STAFF:
            exclude.add(user.local_government_id)
        found = list(routing_selectors.search_local_governments(q=query).exclude(code__in=exclude)[: SEARCH_LIMIT + 1])
        more = len(found) > SEARCH_LIMIT
        results = [
            Option(value=lg.code, id="", label=local_government_label(lg), hint="", checked=False)
            for lg in found[:SEARCH_LIMIT]
        ]
    for index, option in enumerate([*options, *results]):
        option.id = f"id_{name}_{index}"
    return {
        "kind": kind,
        "name": name,
        "input_type": "checkbox" if kind == "co_filers" else "radio",
        "query": query,
        "chosen": options,
        "results": results,
        "more": more,
    }
