from django.urls import path

from . import views

urlpatterns = [path("response-times/", views.ResponseTimes.as_view(), name="metrics-response-times")]
