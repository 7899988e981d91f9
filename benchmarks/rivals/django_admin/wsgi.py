"""WSGI entry for gunicorn: ``benchmarks.rivals.django_admin.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.rivals.django_admin.settings")

application = get_wsgi_application()
