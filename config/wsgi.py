"""The WSGI application gunicorn serves (`config/gunicorn.py` loads it once, in its master).

Django imports the URLconf, and with it every view, serializer and form, on the first request a
process serves. Under gunicorn that first request is a learner's: each new worker, and each one
`max_requests` replaces, spent half a second of CPU importing before answering (seconds, with
several workers importing at once on a busy machine). Loading the URLconf here does it once, in
the master, before the workers fork: they start with it loaded. Nothing here opens a database,
Redis or Stripe connection, so none is shared across the fork.
"""

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from config.environment import use_settings_module

use_settings_module()
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 (imports the URLconf: every view, before any request)
