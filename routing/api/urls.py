from django.urls import path

from . import views

urlpatterns = [
    path("policy-areas/", views.PolicyAreaList.as_view(), name="reference-policy-areas"),
    path("local-governments/", views.LocalGovernmentList.as_view(), name="reference-local-governments"),
    path("offices/", views.OfficeList.as_view(), name="reference-offices"),
]
