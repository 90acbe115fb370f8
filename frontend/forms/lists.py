"""Forms of the list pages: the liaison queue's filters and the secretariat's
one-step routing of a triage consultation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consult import selectors
from consult.lifecycle import Status

from .widgets import LongSelect, PreparedChoices

# Queue orders: the default puts what is late or nearly late first.
SORT_DUE = "due"
SORT_NEWEST = "-created"
SORT_OLDEST = "created"
SORT_RESOLUTION = "resolution"
SORTS = (SORT_DUE, SORT_NEWEST, SORT_OLDEST, SORT_RESOLUTION)

SCOPE_HOLDING = "holding"
SCOPE_COLLABORATING = "collaborating"

STATUS_ACTIVE = "active"
STATUS_ALL = "all"
# A liaison's office never holds a consultation in triage (it has no office yet).
QUEUE_STATUSES = [s for s, _label in Status.CHOICES if s != Status.TRIAGE]


class QueueFilterForm(forms.Form):
    """The queue's filters: a GET form, every field optional."""

    scope = forms.ChoiceField(
        label=_("表示する相談"),
        choices=[
            (SCOPE_HOLDING, _("担当部局として受けている相談")),
            (SCOPE_COLLABORATING, _("協力部局として参加している相談")),
        ],
        required=False,
    )
    status = forms.ChoiceField(label=_("状態"), required=False)
    office = forms.ChoiceField(label=_("部局"), required=False)
    policy_area = forms.ChoiceField(label=_("施策分野"), required=False)
    q = forms.CharField(
        label=_("キーワード（件名・本文・やり取り・添付ファイル・受付番号）"), required=False, max_length=200
    )
    overdue = forms.BooleanField(label=_("期限超過のみ"), required=False)
    unassigned = forms.BooleanField(label=_("未割当のみ"), required=False)
    sort = forms.ChoiceField(choices=[(s, s) for s in SORTS], required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, offices: list[tuple[int, str]], policy_areas: list[tuple[str, str]]):
        super().__init__(data)
        self.fields["status"].choices = [
            (STATUS_ACTIVE, _("対応が必要なもの（受付待ち・対応中・回答待ち）")),
            (STATUS_ALL, _("すべて")),
            *[(s, gettext(Status.LABELS[s])) for s in QUEUE_STATUSES],
        ]
        self.fields["office"].choices = [("", _("すべての部局")), *[(str(pk), name) for pk, name in offices]]
        self.fields["policy_area"].choices = [("", _("すべての分野")), *policy_areas]

    def filters(self) -> dict:
        """The valid filters, with defaults for what is missing or not valid
        (a hand-edited address still shows a list)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "scope": data.get("scope") or SCOPE_HOLDING,
            "status": data.get("status") or STATUS_ACTIVE,
            "office": int(data["office"]) if data.get("office") else None,
            "policy_area": data.get("policy_area") or "",
            "q": (data.get("q") or "").strip(),
            "overdue": bool(data.get("overdue")),
            "unassigned": bool(data.get("unassigned")),
            "sort": data.get("sort") or SORT_DUE,
            # With a keyword and no sort chosen, the best match comes first.
            "ranked": bool((data.get("q") or "").strip()) and not data.get("sort"),
        }


# What "needs doing" means in the queue: waiting to be accepted, in progress, waiting for the filer.
WORKING = (Status.OPEN, Status.IN_PROGRESS, Status.AWAITING_FILER)

# The queue's orders as consultation_list's terms. The default puts what is late
# or nearly late first (consult.rules), then the earlier first-response deadline.
ORDERINGS = {
    SORT_NEWEST: ("-created_at", "-id"),
    SORT_OLDEST: ("created_at", "id"),
    SORT_RESOLUTION: ("resolution_due_at", "created_at", "id"),
    SORT_DUE: ("lateness", "first_response_due_at", "created_at", "id"),
}


def list_filters(offices: list[int], filters: dict) -> selectors.ListFilters:
    """The queue's form choices (``QueueFilterForm.filters``) as the list selector's
    filters: the queue page and its saved views (frontend.saved_views) list the same."""
    chosen = (filters["office"],) if filters["office"] in offices else tuple(offices)
    collaborating = filters["scope"] == SCOPE_COLLABORATING
    if filters["status"] == STATUS_ACTIVE:
        statuses = WORKING
    elif filters["status"] == STATUS_ALL:
        statuses = ()
    else:
        statuses = (filters["status"],)
    return selectors.ListFilters(
        status=statuses,
        held_by=None if collaborating else chosen,
        collaborating=chosen if collaborating else None,
        policy_area=filters["policy_area"],
        overdue=True if filters["overdue"] else None,
        unassigned=filters["unassigned"],
        q=filters["q"],
        ordering=selectors.RANKED if filters.get("ranked") else ORDERINGS.get(filters["sort"], ORDERINGS[SORT_DUE]),
    )


ROUTE_REASON_DEFAULT = _("事務局による振り分け")


def route_choices(office_choices: list) -> PreparedChoices:
    """The offices a triage row's form offers, prepared once for all the rows of a page."""
    return PreparedChoices([("", _("選択してください")), *office_choices])


class RouteForm(forms.Form):
    """Route one triage consultation to an office, with the reason kept in its
    history. Each row's form has its own prefix, so that ids stay unique on the page;
    the consultation's id travels beside it (a plain hidden input)."""

    office = forms.ChoiceField(label=_("振り分け先の部局"), widget=LongSelect)
    reason = forms.CharField(label=_("振り分けの理由"), max_length=2000)

    def __init__(self, data=None, *, office_choices: PreparedChoices, consultation_id: int, suggested: str = ""):
        super().__init__(
            data,
            prefix=f"route-{consultation_id}",
            initial={"office": suggested, "reason": ROUTE_REASON_DEFAULT},
        )
        self.fields["office"].choices = office_choices
        self.fields["reason"].widget.attrs["class"] = "route-reason"
