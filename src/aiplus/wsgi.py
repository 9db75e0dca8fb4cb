"""WSGI entry point (gunicorn aiplus.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiplus.settings")
application = get_wsgi_application()
