"""The library's parts of other apps' pages: the consultation page's section
(consent, proposal, entries made from it, similar answered consultations) and
the filing pages' similar-entries panel (template tags, so that those pages'
views need not import this app)."""

from django import template
from django.utils.translation import gettext as _

from consult import rules
from consult import services as consult_services
from consult.models import MessageKind
from library import selectors, services, similarity

register = template.Library()


def _answer_of(consultation) -> str:
    """The resolution's text as the proposal's first draft of the answer."""
    message = consultation.messages.filter(kind=MessageKind.RESOLUTION, internal=False).order_by("-created_at").first()
    return message.body if message else ""


@register.inclusion_tag("library/_consultation_library.html", takes_context=True)
def consultation_library(context, consultation):
    """The caller authorised the consultation (consult.selectors.access_consultation)."""
    request = context["request"]
    user = request.user
    may_propose = services.may_propose(user, consultation) and consultation.status in rules.ANSWERED
    proposal, measure_choices = {}, []
    if may_propose:
        proposal = request.session.pop("library_proposal", None) or {
            "title": consultation.title,
            "question": consultation.body,
            "answer": _answer_of(consultation),
        }
        chosen = proposal.get("measures")
        measure_choices = selectors.measure_choices(
            policy_area_id=consultation.policy_area_id,
            chosen_ids=selectors.introduced_measure_ids(consultation) if chosen is None else chosen,
        )
    answers_consent = consult_services.may_answer_library_consent(user, consultation)
    shown_entries = services.may_propose(user, consultation) or services.may_review(user)
    similar = None
    if similarity.sees_consultations(user):
        slug = selectors.policy_area_slug(consultation.policy_area_id)
        similar = similarity.grouped(
            user, title=consultation.title, body=consultation.body, policy_area=slug, exclude=consultation.pk
        )
    return {
        "c": consultation,
        "may_propose": may_propose,
        "proposal": proposal,
        "measure_choices": measure_choices,
        "answers_consent": answers_consent,
        "consent_choices": [
            ("yes", _("表示してよい"), consultation.library_consent is True),
            ("no", _("表示しない"), consultation.library_consent is False),
        ],
        "reviewer": services.may_review(user),
        "entries": selectors.entries_of(consultation) if shown_entries else [],
        "similar": similar,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("library/_similar.html", takes_context=True)
def similar_panel(context, title, body, policy_area):
    """The filing check page's suggestions, without JavaScript."""
    user = context["request"].user
    found = similarity.grouped(user, title=title or "", body=body or "", policy_area=policy_area or "")
    return {"similar": found, "show_consultations": similarity.sees_consultations(user)}
