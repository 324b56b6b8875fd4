"""gunicorn's default configuration for this app (read from the working directory; command-line
options override it). docs/deployment.md says why.

Threads per worker (gthread): a request waiting on the database or streaming a CSV export holds one
thread, not the whole worker, so one export of 100,000 pathways does not stop the other users of that
worker. Three workers of four threads on a 2-core machine; WEB_CONCURRENCY and GUNICORN_THREADS change
them.
"""

import os

wsgi_app = "config.wsgi"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A streamed export of 100,000 pathways takes seconds; a stuck request is still ended.
timeout = 120
graceful_timeout = 30
# Recycle workers now and then (with jitter so they do not restart together): bounds memory growth.
max_requests = 5000
max_requests_jitter = 500
