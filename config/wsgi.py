import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()

# Build the government calendar's day table at start-up rather than on the
# first request (the holiday package takes a moment per year).
from django.utils import timezone  # noqa: E402

from routing.business_time import DEFAULT_CALENDAR  # noqa: E402

DEFAULT_CALENDAR.next_business_day(timezone.localdate())
