"""Settings for bench/faults/pg_restart.py: the project's settings, with the middleware that
turns an unreachable database into a 503 (aiplus.core.dberrors) added if MIDDLEWARE does not
list it yet — or, with AIPLUS_FAULTS_BASELINE=1, without that middleware and without
CONN_HEALTH_CHECKS (as before issue #8), to compare."""

import os

from aiplus.settings import *  # noqa: F403
from aiplus.settings import MIDDLEWARE

_OUTAGES = "aiplus.core.dberrors.ServiceUnavailableMiddleware"
if os.environ.get("AIPLUS_FAULTS_BASELINE") == "1":
    MIDDLEWARE = [m for m in MIDDLEWARE if m != _OUTAGES]
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405 - as before issue #8
elif _OUTAGES not in MIDDLEWARE:
    MIDDLEWARE = [MIDDLEWARE[0], _OUTAGES, *MIDDLEWARE[1:]]
