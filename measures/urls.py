"""The measure pages (mounted at the site root by config/urls.py)."""

from django.urls import path

from .views import (
    add_kpi,
    add_milestone,
    add_window,
    area_panel,
    catalogue,
    edit,
    figures,
    figures_csv,
    follow,
    introduce,
    kpi,
    measure_page,
    measure_print,
    milestone,
    record_kpi,
    window,
)

urlpatterns = [
    path("measures/", catalogue, name="measures"),
    path("measures/area-panel/", area_panel, name="measures-area-panel"),
    path("measures/figures/", figures, name="measures-figures"),
    path("measures/figures/<slug:table>.csv", figures_csv, name="measures-figures-csv"),
    path("measures/<int:pk>/", measure_page, name="measure"),
    path("measures/<int:pk>/print/", measure_print, name="measure-print"),
    path("measures/<int:pk>/follow/", follow, name="measure-follow-page"),
    path("measures/<int:pk>/kpis/<int:kpi_pk>/", record_kpi, name="measure-kpi"),
    path("measures/<int:pk>/edit/", edit, name="measure-edit"),
    path("measures/<int:pk>/windows/", add_window, name="measure-add-window"),
    path("measures/<int:pk>/windows/<int:window_pk>/", window, name="measure-window"),
    path("measures/<int:pk>/kpis/new/", add_kpi, name="measure-add-kpi"),
    path("measures/<int:pk>/kpis/<int:kpi_pk>/edit/", kpi, name="measure-edit-kpi"),
    path("measures/<int:pk>/milestones/", add_milestone, name="measure-add-milestone"),
    path("measures/<int:pk>/milestones/<int:milestone_pk>/", milestone, name="measure-milestone"),
    path("consultations/<int:pk>/measures/", introduce, name="consultation-introduce-measures"),
]
