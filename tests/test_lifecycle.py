"""The transition table, pure: every legal transition and every illegal one."""

import pytest

from consult.lifecycle import TRANSITIONS, IllegalTransition, Status, next_status

ALL = [status for status, _ in Status.CHOICES]
EXPECTED = {
    ("accept", "open"): "in_progress",
    ("request_info", "open"): "awaiting_filer",
    ("request_info", "in_progress"): "awaiting_filer",
    ("resume", "awaiting_filer"): "in_progress",
    ("resolve", "open"): "resolved",
    ("resolve", "in_progress"): "resolved",
    ("resolve", "awaiting_filer"): "resolved",
    ("confirm", "resolved"): "closed",
    ("auto_close", "resolved"): "closed",
    ("reopen", "resolved"): "in_progress",
    ("reopen", "closed"): "in_progress",
    ("withdraw", "triage"): "withdrawn",
    ("withdraw", "open"): "withdrawn",
    ("withdraw", "in_progress"): "withdrawn",
    ("withdraw", "awaiting_filer"): "withdrawn",
    ("transfer", "triage"): "open",
    ("transfer", "open"): "open",
    ("transfer", "in_progress"): "in_progress",
    ("transfer", "awaiting_filer"): "awaiting_filer",
}


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
@pytest.mark.parametrize("status", ALL)
def test_every_pair_of_action_and_status(action, status):
    expected = EXPECTED.get((action, status))
    if expected is None:
        with pytest.raises(IllegalTransition) as excinfo:
            next_status(action, status)
        assert excinfo.value.status == status
        assert Status.LABELS[status] in str(excinfo.value)
    else:
        assert next_status(action, status) == expected


def test_unknown_actions_are_illegal():
    with pytest.raises(IllegalTransition):
        next_status("teleport", "open")
