from django.urls import path

from . import api

urlpatterns = [
    path("", api.SavedViewList.as_view(), name="saved-view-list"),
    path("<int:pk>/", api.SavedViewDetail.as_view(), name="saved-view-detail"),
]
