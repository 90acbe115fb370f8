"""Absences and moves: a liaison sets an absence and a deputy (「不在と代理の設定」);
an office's lead hands the open work of people who moved or left to another
member in one step (「異動・退職者の担当替え」)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import Absence, Role, User, today
from consult import selectors, services
from frontend.forms.absence import AbsenceForm, ReassignForm

from .common import add_service_errors, page_for
from .listing import Names


@page_for(Role.LIAISON)
def absence(request):
    current = Absence.objects.filter(user=request.user).select_related("deputy").first()
    candidates = list(account_services.deputy_candidates(user=request.user))
    initial = (
        {"starts_on": current.starts_on, "ends_on": current.ends_on, "deputy": current.deputy_id} if current else {}
    )
    form = AbsenceForm(request.POST or None, candidates=candidates, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.set_absence(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("不在と代理を設定しました。"))
            return redirect(reverse("absence"))
    context = {"form": form, "current": current, "away_now": current is not None and current.covers(today())}
    return render(request, "frontend/moves/absence.html", context, status=400 if form.errors else 200)


@page_for(Role.LIAISON)
@require_POST
def clear_absence(request):
    if account_services.clear_absence(user=request.user):
        messages.success(request, _("不在の設定を取り消しました。"))
    return redirect(reverse("absence"))


def _sections(user, offices, bound: ReassignForm | None = None) -> list[dict]:
    """For each office the lead leads: the people leaving it who still hold open
    work there, each with that work and a form to reassign it. Queries: one per
    office for the work, one for the members and one for the memberships."""
    names = Names()
    work = {office.pk: list(selectors.handover_work(user, office_id=office.pk)) for office in offices}
    members = account_selectors.staying_members([office.pk for office in offices])
    people = {row.assignee_id for rows in work.values() for row in rows}
    memberships = account_selectors.memberships_of(people, [office.pk for office in offices])
    sections = []
    for office in offices:
        leaving: dict[int, dict] = {}
        for row in work[office.pk]:
            person = leaving.setdefault(row.assignee_id, {"user": row.assignee, "consultations": []})
            person["consultations"].append(row)
        for person_id, person in leaving.items():
            person["membership"] = memberships.get((person_id, office.pk))
            choices = [m for m in members[office.pk] if m.pk != person_id]
            prefix = _prefix(office.pk, person_id)
            if bound is not None and bound.prefix == prefix:
                person["form"] = bound
            else:
                person["form"] = ReassignForm(
                    initial={"office": office.pk, "from_user": person_id}, members=choices, prefix=prefix
                )
        sections.append({"office": office, "name": names.office(office.pk), "people": list(leaving.values())})
    return sections


@page_for(Role.LIAISON)
def handover(request):
    offices = list(account_selectors.offices_led_by(request.user))
    if not offices:
        raise Http404  # leads only, as anything outside a person's standing
    bound = None
    if request.method == "POST":
        prefix = request.POST.get("prefix", "")
        members = account_selectors.staying_members([office.pk for office in offices])
        office_ids = {office.pk for office in offices}
        office_id = _int(request.POST.get(f"{prefix}-office"))
        choices = members.get(office_id, []) if office_id in office_ids else []
        bound = ReassignForm(request.POST, members=choices, prefix=prefix)
        if bound.is_valid():
            data = bound.cleaned_data
            office = next(o for o in offices if o.pk == data["office"])
            from_user = User.objects.filter(pk=data["from_user"]).first()
            to_user = next(u for u in choices if u.pk == data["to_user"])
            try:
                if from_user is None:
                    raise ValidationError(_("担当替えする人が見つかりません"))
                result = services.reassign_open_work(actor=request.user, from_user=from_user, to_user=to_user,
                                                     office=office)  # fmt: skip
            except (ValidationError, PermissionDenied) as error:
                bound.add_error(None, " ".join(getattr(error, "messages", None) or [str(error)]))
            else:
                _report(request, result, to_user)
                return redirect(reverse("handover"))
    sections = _sections(request.user, offices, bound)
    status = 400 if bound is not None and bound.errors else 200
    return render(request, "frontend/moves/handover.html", {"sections": sections, "bound": bound}, status=status)


def _prefix(office_id: int, person_id: int) -> str:
    """Each person's form on the page has its own field names (and ids)."""
    return f"o{office_id}-p{person_id}"


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _report(request, result, to_user) -> None:
    done = len(result.done)
    if done:
        messages.success(
            request,
            ngettext(
                "%(count)d件の相談を%(name)sさんの担当にしました。",
                "%(count)d件の相談を%(name)sさんの担当にしました。",
                done,
            )
            % {"count": done, "name": to_user.display_name},
        )
    for consultation, reason in result.failed:
        messages.warning(
            request,
            _("%(reference)s は担当替えできませんでした: %(reason)s")
            % {"reference": consultation.reference, "reason": reason},
        )
    if not done and not result.failed:
        messages.info(request, _("担当替えする未完了の相談はありませんでした。"))


urlpatterns: list = [
    path("settings/absence/", absence, name="absence"),
    path("settings/absence/clear/", clear_absence, name="absence-clear"),
    path("offices/handover/", handover, name="handover"),
]
