"""The API documentation page (Swagger UI from drf-spectacular's sidecar) under
the site's Content-Security-Policy: its start-up script is a separate request
(drf-spectacular's split view) and its few page styles a static file."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class APIDocsView(SpectacularSwaggerSplitView):
    template_name = "frontend/api_docs.html"
