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
