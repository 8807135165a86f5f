import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certify.settings")
application = get_wsgi_application()

# Answer saves and new starts with an API token are answered before Django's request handling
# (issue 17); everything else, and every save or start that path does not make, is Django's as before.
from exams.written.fast_api import with_fast_save  # noqa: E402 - needs the apps loaded

application = with_fast_save(application)
