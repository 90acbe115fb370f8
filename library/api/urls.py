from django.urls import path

from . import views

urlpatterns = [
    path("", views.EntryList.as_view(), name="library-list"),
    path("<int:pk>/", views.EntryDetail.as_view(), name="library-detail"),
    path("<int:pk>/publish/", views.EntryPublish.as_view(), name="library-publish"),
    path("<int:pk>/withdraw/", views.EntryWithdraw.as_view(), name="library-withdraw"),
    path("<int:pk>/versions/", views.EntryVersions.as_view(), name="library-versions"),
    path("<int:pk>/useful/", views.EntryUseful.as_view(), name="library-useful"),
]

# Mounted under consultations/ (config/urls.py).
consultation_urlpatterns = [
    path("similar/", views.Similar.as_view(), name="consultation-similar"),
    path("<int:pk>/library-proposal/", views.Proposal.as_view(), name="consultation-library-proposal"),
]
