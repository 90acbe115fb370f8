"""The measure pages (mounted at the site root by config/urls.py)."""

from django.urls import path

from .views import (
    add_row,
    area_panel,
    catalogue,
    edit,
    edit_row,
    figures,
    figures_csv,
    follow,
    introduce,
    measure_page,
    measure_print,
    record_kpi,
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
    path("measures/<int:pk>/windows/", add_row, {"kind": "window"}, name="measure-add-window"),
    path("measures/<int:pk>/windows/<int:row_pk>/", edit_row, {"kind": "window"}, name="measure-window"),
    path("measures/<int:pk>/kpis/new/", add_row, {"kind": "kpi"}, name="measure-add-kpi"),
    path("measures/<int:pk>/kpis/<int:row_pk>/edit/", edit_row, {"kind": "kpi"}, name="measure-kpi-edit"),
    path("measures/<int:pk>/milestones/", add_row, {"kind": "milestone"}, name="measure-add-milestone"),
    path("measures/<int:pk>/milestones/<int:row_pk>/", edit_row, {"kind": "milestone"}, name="measure-milestone"),
    path("consultations/<int:pk>/measures/", introduce, name="consultation-introduce-measures"),
]
