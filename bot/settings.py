"""Settings from environment variables and an optional .env file, built once in main()."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Telegram tokens are "<bot id>:<35 url-safe characters>"; we accept 30+ to stay lenient
# towards self-hosted servers while still catching a pasted URL or a truncated value.
TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")


class Settings(BaseSettings):
    """Every knob an operator can set. See the README for the table."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_path: Path = Path("./data/hotline.sqlite3")
    bot_api_base_url: str = "https://api.telegram.org/bot"
    bot_api_file_url: str | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    staff_chat_id: int | None = None
    timezone: str = "Asia/Almaty"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Long-polling timeout of getUpdates, in seconds.
    poll_timeout: int = Field(default=30, ge=0, le=60)
    # How many updates from different chats are processed at once (one chat is always serial).
    max_concurrent_updates: int = Field(default=8, ge=1, le=1024)
    # Messages per minute the bot sends to one group (Telegram documents 20). The limiter
    # queues beyond it; 0 lifts the cap (429s are still obeyed).
    group_max_per_minute: int = Field(default=20, ge=0, le=1000)
    # HTTP connections to the Bot API (aiohttp): enough for the broadcast workers plus
    # replies to citizens in flight.
    connection_pool_size: int = Field(default=16, ge=1, le=256)
    # Cap on all requests per second (0: no cap). Replies to people who wrote are paced by
    # Telegram's own 429s, which the limiter obeys; a fixed 30/s cap would make 200 people
    # writing at once wait for each other. Broadcasts have their own pacing.
    reply_max_rate: float = Field(default=0, ge=0, le=1000)
    # Hotline: more citizen messages than this in a minute are refused with "please wait".
    hotline_flood_per_minute: int = Field(default=20, ge=1, le=600)
    # What one private chat may make the bot do: CHAT_BURST updates in a row, then
    # CHAT_PER_MINUTE; the rest of a flood is dropped unanswered and the sender told once.
    # A registration is a dozen updates, an album ten; 2,000 messages of a script are not
    # answered 2,000 times, and do not keep everyone else waiting.
    chat_burst: int = Field(default=40, ge=1, le=10_000)
    chat_per_minute: int = Field(default=60, ge=1, le=60_000)
    # Staff working hours in TIMEZONE ("09:00-18:00"); outside them citizens get an away
    # notice with their acknowledgement. Empty: always staffed.
    working_hours: str = "09:00-18:00"
    # Sign staff answers with the officer's first name (otherwise only "the ministry").
    sign_staff_answers: bool = False
    # Language of what the bot writes in the staff group (cards, notices to staff).
    staff_lang: Literal["ru", "kk"] = "ru"
    # Staff actions in a staff group (answers, /close, /ban, /card ...) need a staff or admin
    # role; true lets every member of the group act as staff, as before (then their
    # membership is the authorization, and members without a role are not reported).
    staff_group_members_are_staff: bool = False
    # Key of the hashes bans are kept under (they outlive erasure and name nobody). Unset:
    # a random key generated once and stored in the database. Changing it forgets bans.
    ban_key: SecretStr | None = None
    # How often the running bot proves it is alive (see `python -m bot health`).
    heartbeat_seconds: int = Field(default=30, ge=5, le=3600)
    # Seconds between PTB's sweeps of conversation states and user data. What an update
    # changes is committed as soon as its handlers finish (a user's data even before the
    # reply goes out); the sweep only catches changes made outside updates.
    persistence_interval: float = Field(default=1.0, gt=0, le=60)
    # Notices: messages per second (Telegram allows about 30 without paid broadcasts).
    # 25, not 30, leaves room for replies: replies are not paced, and with citizens
    # writing 2 messages a second during a notice, 30 earned 49 429s and fell to 17/s
    # while 25 earned none and kept 23/s (bench/broadcast.py at 30 without replies: 0.98).
    broadcast_rate: float = Field(default=25, gt=0, le=1000)
    # Paid broadcasts (allow_paid_broadcast, billed in Stars): up to PAID_BROADCAST_RATE.
    paid_broadcasts: bool = False
    paid_broadcast_rate: float = Field(default=1000, gt=0, le=1000)
    # Sends in flight at once; also the most a kill -9 can repeat.
    broadcast_workers: int = Field(default=16, ge=1, le=256)
    # Attempts per recipient for errors other than 429, blocked and bad request.
    broadcast_retries: int = Field(default=5, ge=1, le=50)
    # A notice due while the bot was down is still sent if it is at most this late.
    notice_grace_minutes: int = Field(default=60, ge=0, le=10080)
    # A registration not updated for this many days is stale: counted in /stats and asked
    # "are you still there?".
    stale_days: int = Field(default=14, ge=1, le=365)
    # "Are you still there?" goes out only in this local daytime window of the country.
    fresh_hours: str = "10:00-20:00"
    # How often the bot looks for stale registrations to ask about.
    fresh_check_minutes: int = Field(default=30, ge=1, le=1440)
    # Seconds between edits of a notice's progress message.
    progress_seconds: float = Field(default=3.0, gt=0, le=300)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_RE.match(value.get_secret_value()):
            # The value itself is never echoed: it is a secret even when malformed.
            raise ValueError("BOT_TOKEN is malformed (expected <digits>:<35 characters>)")
        return value

    @field_validator("ban_key")
    @classmethod
    def _ban_key_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("BAN_KEY must be at least 16 characters")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(re.fullmatch(r"-?\d+", p) for p in parts):
                raise ValueError("ADMIN_IDS must be comma-separated numeric Telegram user ids")
            return frozenset(int(p) for p in parts)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown TIMEZONE {value!r}") from exc
        return value

    @field_validator("bot_api_base_url", "bot_api_file_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("Bot API URLs must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _free_rate(self) -> Settings:
        if self.broadcast_rate > 30 and not self.paid_broadcasts:
            raise ValueError("BROADCAST_RATE above 30/s needs PAID_BROADCASTS=true")
        return self

    @field_validator("fresh_hours")
    @classmethod
    def _fresh_hours(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError("FRESH_HOURS must look like 10:00-20:00")
        return value

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        if value and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError("WORKING_HOURS must look like 09:00-18:00 (or be empty)")
        return value

    def is_working_time(self, moment: datetime) -> bool:
        """Whether staff are on duty at `moment` (in TIMEZONE)."""
        if not self.working_hours:
            return True
        start, end = self.working_hours.split("-")
        now = moment.astimezone(self.tz).strftime("%H:%M")
        return start <= now < end if start <= end else (now >= start or now < end)

    @property
    def heartbeat_path(self) -> Path:
        """File the running bot touches every HEARTBEAT_SECONDS; `health` reads its age."""
        return self.database_path.parent / "heartbeat"

    @property
    def tz(self) -> ZoneInfo:
        """The ministry's time zone for schedules and displayed times."""
        return ZoneInfo(self.timezone)

    @property
    def file_url(self) -> str:
        """Base URL for file downloads; derived from the API URL unless set."""
        if self.bot_api_file_url:
            return self.bot_api_file_url
        base = self.bot_api_base_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"

    def token(self) -> str:
        """The token; raises ValueError when it is missing."""
        if self.bot_token is None:
            raise ValueError("BOT_TOKEN is not set (export it or put it in .env)")
        return self.bot_token.get_secret_value()
