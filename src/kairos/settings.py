"""One Settings class, read from the KAIROS_* environment."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can set. Each field is read from `KAIROS_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="KAIROS_", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    bootstrap_api_key: str | None = None
    min_interval_seconds: int = Field(default=60, ge=1)
    allow_private_networks: bool = False
    workers: int = Field(default=8, ge=1, le=256)
    task_modules: str = ""
    # Engine tuning. The defaults suit one process; `make bench` shows what they give.
    scheduler_batch_size: int = Field(default=1000, ge=1)
    scheduler_max_sleep_seconds: float = Field(default=1.0, gt=0)
    job_lease_seconds: float = Field(default=30.0, gt=1)
    job_default_timeout_seconds: float = Field(default=3600.0, gt=0)
    # Scrape fetching: politeness towards the sites scraped, and limits on what one page may cost.
    fetch_connect_timeout_seconds: float = Field(default=10.0, gt=0)
    fetch_read_timeout_seconds: float = Field(default=30.0, gt=0)
    fetch_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    fetch_per_host_concurrency: int = Field(default=2, ge=1, le=64)
    fetch_politeness_delay_seconds: float = Field(default=1.0, ge=0)
    fetch_max_attempts: int = Field(default=3, ge=1, le=10)
    fetch_max_retry_after_seconds: float = Field(default=60.0, ge=0)
    # Access (docs/access.md): browser sessions and the throttling of failed sign-ins and bad keys.
    session_lifetime_hours: float = Field(default=12.0, gt=0)
    secure_cookies: bool = False  # set it when Kairos is served over HTTPS
    auth_ip_failure_limit: int = Field(default=20, ge=1)
    auth_ip_window_seconds: int = Field(default=300, ge=1)
    auth_account_failure_limit: int = Field(default=5, ge=1)
    auth_account_window_seconds: int = Field(default=900, ge=1)
    # Webhooks (docs/webhooks.md): retry delays after each failed attempt, in seconds; one
    # attempt more than there are delays.
    webhook_backoff_seconds: str = "30,120,600,3600,14400,43200"
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_concurrency: int = Field(default=8, ge=1, le=256)
    # Where users reach this Kairos (https://kairos.example.com); Slack messages link to jobs
    # only when it is set.
    public_url: str = ""
    # Reddit (docs/reddit.md): the instance's app, used by workspaces without a connection of
    # their own, and where Reddit is (tests point these at a local fake).
    reddit_client_id: str = ""
    reddit_client_secret: str = ""
    reddit_user_agent: str = ""
    reddit_base_url: str = "https://www.reddit.com"
    reddit_oauth_url: str = "https://oauth.reddit.com"
    # The ffmpeg that merges v.redd.it audio: empty for the one imageio-ffmpeg ships, a path, or
    # "off" to keep videos without their sound.
    reddit_ffmpeg: str = ""
    # Size caps per media file: videos (and their audio tracks), and pictures (docs/reddit.md).
    reddit_media_max_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)
    reddit_image_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    # Metrics (docs/metrics.md): `GET /metrics` on the API; `kairos scheduler` and `kairos worker`
    # serve it on metrics_port when set. With a token, scrapes must send `Authorization: Bearer …`.
    metrics_token: str = ""
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=0, ge=0, le=65535)
    # Scheduler links (docs/external-schedulers.md). Importing a Celery app runs code found on
    # this machine, so a link of source kind `app` needs the operator's consent.
    link_app_imports: bool = False
    # A fire whose Celery task reports no outcome within this long is marked "outcome unknown".
    celery_outcome_timeout_seconds: float = Field(default=3600.0, gt=0)
    link_watch_interval_seconds: float = Field(default=5.0, gt=0)
    log_level: str = "info"

    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL: the configured one, or the SQLite file under the data dir."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'kairos.db'}"
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            # psycopg 3 is the driver we ship; plain URLs are what users paste.
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url

    def task_module_names(self) -> list[str]:
        return [name.strip() for name in self.task_modules.split(",") if name.strip()]
