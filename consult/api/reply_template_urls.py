from django.urls import path

from . import reply_templates

urlpatterns = [
    path("", reply_templates.ReplyTemplateList.as_view(), name="reply-template-list"),
    path("<int:pk>/", reply_templates.ReplyTemplateDetail.as_view(), name="reply-template-detail"),
]
