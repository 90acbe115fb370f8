from django.urls import path

from .views import MyAbsenceView, ObtainTokenView

urlpatterns = [
    path("token/", ObtainTokenView.as_view(), name="api-token"),
    path("me/absence/", MyAbsenceView.as_view(), name="api-my-absence"),
]
