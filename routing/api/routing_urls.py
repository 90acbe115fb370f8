from django.urls import path

from .simulate import SimulateRoutingView

urlpatterns = [path("simulate/", SimulateRoutingView.as_view(), name="routing-simulate")]
