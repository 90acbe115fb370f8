"""The library pages (mounted at the site root by config/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("library/", views.library, name="library"),
    path("library/review/", views.review, name="library-review"),
    path("library/similar/", views.similar_panel, name="library-similar"),
    path("library/<int:pk>/", views.entry_page, name="library-entry"),
    path("library/<int:pk>/useful/", views.useful, name="library-entry-useful"),
    path("library/<int:pk>/edit/", views.edit, name="library-entry-edit"),
    path("library/<int:pk>/publish/", views.publish, name="library-entry-publish"),
    path("library/<int:pk>/withdraw/", views.withdraw, name="library-entry-withdraw"),
    path("consultations/<int:pk>/library-proposal/", views.propose, name="consultation-library-propose"),
    path("consultations/<int:pk>/library-consent/", views.consent, name="consultation-library-consent"),
]
