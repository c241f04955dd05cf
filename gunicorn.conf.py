"""gunicorn's settings for preview and prod (the Procfile's `web` process).

gunicorn reads this file from the working directory by default; options given on the command
line win over it (tests start gunicorn with their own --bind, --workers and log options).
"""

import json
import os
from pathlib import Path

from gunicorn.glogging import Logger, SafeAtoms

wsgi_app = "instainstru.wsgi:application"

# The platform says where to listen in PORT; 8000 otherwise.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Sync workers, one request at a time each. Our views wait on PostgreSQL and Redis, so twice the
# cores plus one keeps the CPUs busy (gunicorn's own rule). process_cpu_count() honours CPU
# affinity; a container's CPU quota it cannot see, so such hosts set WEB_CONCURRENCY.
_cpus = (os.process_cpu_count() if hasattr(os, "process_cpu_count") else os.cpu_count()) or 1
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * _cpus + 1))

# No request of ours should take seconds; a worker silent for 30 s is stuck and is replaced.
# Deploys and scale-downs send SIGTERM: requests in flight get as long to finish.
timeout = 30
graceful_timeout = 30
# Behind the load balancer, which reuses connections to us.
keepalive = 5
# Recycle workers now and then so a slow leak never grows into an outage. Rarely, and spread
# wide: at 2000 +/- 200 the workers, started together, restarted together under load, and each
# boot costs 0.6 s of CPU; the 150-user page-load p99 went from 230 ms to 0.9-3.4 s
# (bench/RESULTS.md, "Load").
max_requests = 20000
max_requests_jitter = 10000

# The heartbeat file on a RAM disk: on a container's overlay filesystem a slow fsync can make
# the master think a healthy worker hung. gunicorn creates the file with mkstemp, so a shared
# directory is safe.
_RAM_DISK = "/dev/shm"  # noqa: S108
if Path(_RAM_DISK).is_dir():
    worker_tmp_dir = _RAM_DISK

# The runtime control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl): a
# second gunicorn on the host would take it over. We manage processes through the platform.
control_socket_disable = True

# --- Logs -----------------------------------------------------------------------------------
# Access log on stdout, error log on stderr, for the platform to collect. One JSON object per
# request, with the X-Request-ID that RequestIdMiddleware returned (and logged with the
# application's own JSON lines, settings._deployed LOGGING).
accesslog = "-"
errorlog = "-"
access_log_format = json.dumps(
    {
        "time": "%(t)s",
        "logger": "gunicorn.access",
        "remote_addr": "%(h)s",
        "method": "%(m)s",
        "path": "%(U)s",
        "query": "%(q)s",
        "status": "%(s)s",
        "bytes": "%(b)s",
        "duration_ms": "%(M)s",
        "request_id": "%({x-request-id}o)s",
        "user_agent": "%(a)s",
    }
)


class JsonAtoms(SafeAtoms):
    """Request values escaped for a JSON string. gunicorn's own wrapper escapes double quotes
    only, so a backslash or a control character in a path or User-Agent would break the line."""

    def __init__(self, atoms):
        dict.__init__(self)
        for key, value in atoms.items():
            self[key] = json.dumps(value)[1:-1] if isinstance(value, str) else value


class JsonAccessLogger(Logger):
    atoms_wrapper_class = JsonAtoms


logger_class = JsonAccessLogger
