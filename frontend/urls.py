"""The pages. Each page module keeps its own routes."""

from .views import consultation, dashboard, filing, home, inbox, queue, reply_templates, reports, rules, triage

urlpatterns = [
    *home.urlpatterns,
    *filing.urlpatterns,
    *consultation.urlpatterns,
    *queue.urlpatterns,
    *inbox.urlpatterns,
    *triage.urlpatterns,
    *dashboard.urlpatterns,
    *rules.urlpatterns,
    *reports.urlpatterns,
    *reply_templates.urlpatterns,
]
