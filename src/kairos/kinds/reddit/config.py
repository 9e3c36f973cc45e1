"""Where Reddit is and whose app to use: read once from Settings, handed to every reddit job."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from kairos import __version__
from kairos.domain.reddit import RedditConnection
from kairos.kinds.reddit.files import media_root
from kairos.settings import Settings

ANONYMOUS = "anonymous"


@dataclass(frozen=True, kw_only=True)
class Credentials:
    """One Reddit app, with a user for a script app (password) or an installed app's grant."""

    client_id: str
    client_secret: str | None = field(default=None, repr=False)  # never in a log line or traceback
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    user_agent: str | None = None  # the app's own, when its owner gave one

    def grant(self) -> dict[str, str]:
        """The token request's form for this app: refresh token, password, or app-only."""
        if self.refresh_token:
            return {"grant_type": "refresh_token", "refresh_token": self.refresh_token}
        if self.username and self.password:
            return {"grant_type": "password", "username": self.username, "password": self.password}
        return {"grant_type": "client_credentials"}

    @property
    def budget_key(self) -> str:
        """Reddit counts requests per app and user: jobs sharing both share one budget."""
        who = self.username or (hashlib.sha256(self.refresh_token.encode()).hexdigest()
                                if self.refresh_token else "")
        return hashlib.sha256(f"{self.client_id}\0{who}".encode()).hexdigest()

    @property
    def token_key(self) -> str:
        """Tokens are this exact app and grant's: any field differing (a secret too) is another key."""
        fields = (self.client_id, self.client_secret, self.username, self.password, self.refresh_token)
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()

    @classmethod
    def of(cls, connection: RedditConnection) -> Credentials:
        return cls(client_id=connection.client_id, client_secret=connection.client_secret,
                   username=connection.username, password=connection.password,
                   refresh_token=connection.refresh_token, user_agent=connection.user_agent)


@dataclass(frozen=True, kw_only=True)
class RedditSettings:
    base_url: str
    oauth_url: str
    user_agent: str
    instance: Credentials | None
    media_dir: Path  # files.media_root of the settings: where the API serves the files from
    ffmpeg: str  # "" for imageio-ffmpeg's, a path, or "off"
    media_max_bytes: int  # a video (or an audio track)
    image_max_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> RedditSettings:
        instance = None
        if settings.reddit_client_id:
            instance = Credentials(client_id=settings.reddit_client_id,
                                   client_secret=settings.reddit_client_secret or None)
        # Reddit asks for "<platform>:<app ID>:<version> (by /u/<username>)" and throttles
        # generic agents; operators should name themselves in KAIROS_REDDIT_USER_AGENT.
        agent = settings.reddit_user_agent or f"server:kairos:{__version__} (self-hosted Kairos scheduler)"
        return cls(base_url=settings.reddit_base_url.rstrip("/"), oauth_url=settings.reddit_oauth_url.rstrip("/"),
                   user_agent=agent, instance=instance, media_dir=media_root(settings),
                   ffmpeg=settings.reddit_ffmpeg, media_max_bytes=settings.reddit_media_max_bytes,
                   image_max_bytes=settings.reddit_image_max_bytes)
