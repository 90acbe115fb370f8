"""The pages. Each page module keeps its own routes."""

from .views import (
    consultation,
    dashboard,
    filing,
    home,
    inbox,
    moves,
    queue,
    reply_templates,
    reports,
    rules,
    saved,
    triage,
)

urlpatterns = [
    *home.urlpatterns,
    *filing.urlpatterns,
    *consultation.urlpatterns,
    *queue.urlpatterns,
    *saved.urlpatterns,
    *inbox.urlpatterns,
    *triage.urlpatterns,
    *dashboard.urlpatterns,
    *rules.urlpatterns,
    *reports.urlpatterns,
    *moves.urlpatterns,
    *reply_templates.urlpatterns,
]
