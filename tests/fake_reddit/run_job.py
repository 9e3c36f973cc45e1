"""Run one reddit job in a process of its own (tests kill it, or run two side by side).

    python -m tests.fake_reddit.run_job '<json: database_url, base_url, oauth_url, media_dir,
                                          job_id, workspace_id, schedule_id, payload>'
"""

from __future__ import annotations

import json
import sys
from functools import partial
from pathlib import Path

from kairos.kinds.context import TaskContext
from kairos.kinds.reddit.config import Credentials, RedditSettings
from kairos.kinds.reddit.run import RedditServices, run_reddit
from kairos.outbound import make_client
from kairos.store.sqlalchemy.store import SqlStore


def main() -> None:
    spec = json.loads(sys.argv[1])
    store = SqlStore(spec["database_url"])
    settings = RedditSettings(base_url=spec["base_url"], oauth_url=spec["oauth_url"],
                              user_agent="test:kairos-reddit-tests:1.0 (by /u/kairos_tests)",
                              instance=Credentials(client_id="app-id", client_secret="app-secret"),
                              media_dir=Path(spec["media_dir"]), ffmpeg="off",
                              media_max_bytes=10 * 1024 * 1024, image_max_bytes=10 * 1024 * 1024)
    services = RedditServices(store=store, settings=settings,
                              http_client=partial(make_client, allow_private_networks=True))
    ctx = TaskContext(job_id=spec["job_id"], workspace_id=spec["workspace_id"], schedule_id=spec["schedule_id"],
                      attempt=1, scheduled_for=None)
    outcome = run_reddit(spec["payload"], ctx, services)
    print(json.dumps(outcome.result))
    store.close()


if __name__ == "__main__":
    main()
