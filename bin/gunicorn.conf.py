"""gunicorn settings for bin/serve-prod (the command line gives bind and workers)."""

import os

# A sync worker that does not answer within this many seconds is restarted. A request that
# renders a briefing or an export can take several seconds on a busy machine; warming (below)
# can take longer on a cold one.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
errorlog = "-"


def post_worker_init(worker):
    """Warm each worker before it takes requests, so no visitor pays for the cold start."""
    if os.environ.get("AIPLUS_WARMUP", "1") == "1":
        from aiplus.core.warmup import warm

        warm()
