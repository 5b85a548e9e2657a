"""WSGI entry point (gunicorn cop.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop.settings")

application = get_wsgi_application()
