from django.urls import path

from . import views

urlpatterns = [
    path("", views.tokens, name="api-tokens"),
    path("<int:pk>/revoke/", views.revoke, name="api-token-revoke"),
    path("revoke-all/", views.revoke_all, name="api-tokens-revoke-all"),
]
