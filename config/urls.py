from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from config.api_docs import APIDocsView
from library.api.urls import consultation_urlpatterns as consultation_library_urls
from measures.api.urls import consultation_urlpatterns as consultation_measure_urls

api_v1 = [
    path("auth/", include("accounts.api.urls")),
    path("reference/", include("routing.api.urls")),
    path("routing/", include("routing.api.routing_urls")),
    # Before consult's own routes: "similar/" is not a consultation.
    path("consultations/", include(consultation_library_urls)),
    path("consultations/", include("consult.api.urls")),
    path("consultations/", include(consultation_measure_urls)),
    path("reply-templates/", include("consult.api.reply_template_urls")),
    path("notifications/", include("notifications.api.urls")),
    path("metrics/", include("metrics.api.urls")),
    path("measures/", include("measures.api.urls")),
    path("library/", include("library.api.urls")),
    path("saved-views/", include("frontend.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/tokens/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", APIDocsView.as_view(url_name="schema"), name="api-docs"),
    path("", include("measures.urls")),
    path("", include("library.urls")),
    path("", include("frontend.urls")),
]
