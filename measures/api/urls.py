from django.urls import path

from . import views

urlpatterns = [
    path("", views.MeasureList.as_view(), name="measure-list"),
    path("<int:pk>/", views.MeasureDetail.as_view(), name="measure-detail"),
    path("<int:pk>/follow/", views.MeasureFollow.as_view(), name="measure-follow"),
]

# Mounted under consultations/ (config/urls.py).
consultation_urlpatterns = [
    path("<int:pk>/measures/", views.ConsultationMeasures.as_view(), name="consultation-measures"),
]
