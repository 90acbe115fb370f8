from django.urls import path

from . import views

urlpatterns = [
    path("", views.Inbox.as_view(), name="notifications"),
    path("<int:pk>/read/", views.MarkRead.as_view(), name="notification-read"),
    path("read-all/", views.MarkAllRead.as_view(), name="notifications-read-all"),
    path("preferences/", views.Preferences.as_view(), name="notification-preferences"),
]
