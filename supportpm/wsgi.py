import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportpm.settings")

application = get_wsgi_application()

# What a worker loads at start-up (Django, the apps, their models, the URLconf: about 120,000
# objects) lives as long as the process. Frozen, Python's cyclic garbage collector no longer walks
# it at every full pass, which otherwise lands in the middle of a request (a whole board builds
# thousands of objects and triggers one); a forked worker also keeps sharing those pages.
get_resolver().url_patterns  # noqa: B018 - loaded now, so that it is frozen with the rest
gc.freeze()
