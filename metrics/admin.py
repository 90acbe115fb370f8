"""The rollup is derived data: shown read-only, rebuilt by its beat task."""

from django.contrib import admin

from config.admin import ReadOnlyAdmin

from .models import ConsultationFigures, OpenStretch, RefreshMark

admin.site.register([ConsultationFigures, OpenStretch, RefreshMark], ReadOnlyAdmin)
