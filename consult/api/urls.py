from django.urls import path, re_path

from . import reply_templates, views

action_pattern = "|".join(views.ACTIONS)

urlpatterns = [
    path("", views.ConsultationListCreate.as_view(), name="consultation-list"),
    path("bulk/", views.ConsultationBulk.as_view(), name="consultation-bulk"),
    path("<int:pk>/", views.ConsultationDetail.as_view(), name="consultation-detail"),
    path("<int:pk>/messages/", views.ConsultationMessages.as_view(), name="consultation-messages"),
    path("<int:pk>/events/", views.ConsultationEvents.as_view(), name="consultation-events"),
    path("<int:pk>/transfer/", views.ConsultationTransfer.as_view(), name="consultation-transfer"),
    path("<int:pk>/merge/", views.ConsultationMerge.as_view(), name="consultation-merge"),
    path("<int:pk>/unmerge/", views.ConsultationUnmerge.as_view(), name="consultation-unmerge"),
    path("<int:pk>/rate/", views.ConsultationRate.as_view(), name="consultation-rate"),
    path("<int:pk>/follow/", views.ConsultationFollow.as_view(), name="consultation-follow"),
    path("<int:pk>/collaborators/", views.ConsultationCollaborators.as_view(), name="consultation-collaborators"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/", views.AttachmentDownload.as_view(), name="consultation-attachment"
    ),
    path(
        "<int:pk>/reply-templates/<int:template_pk>/render/",
        reply_templates.ReplyTemplateRender.as_view(),
        name="consultation-reply-template-render",
    ),
    re_path(
        rf"^(?P<pk>\d+)/(?P<action>{action_pattern})/$", views.ConsultationAction.as_view(), name="consultation-action"
    ),
]
