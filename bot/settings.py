"""Settings from environment variables and an optional .env file, built once in main()."""

from __future__ import annotations

import re
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.reference.phones import normalize_phone
from storage.db import is_postgres_url
from storage.evacuation import PRIORITIES

# Telegram tokens are "<bot id>:<35 url-safe characters>"; we accept 30+ to stay lenient
# towards self-hosted servers while still catching a pasted URL or a truncated value.
TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")


class Settings(BaseSettings):
    """Every knob an operator can set. See the README for the table."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_path: Path = Path("./data/hotline.sqlite3")
    # PostgreSQL instead of the SQLite file (postgresql://user:password@host:5432/name):
    # what several replicas share. A secret: it usually carries the password.
    database_url: SecretStr | None = None
    # Connections each process keeps to PostgreSQL.
    database_pool_size: int = Field(default=10, ge=1, le=200)
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
    # The ministry's 24/7 emergency line, as citizens should dial it ("+7 7172 00 00 00").
    # Shown in the hotline's acknowledgement, the contact answers and a message pinned in
    # each citizen's chat. Empty: none of that, and admins are warned at start-up.
    emergency_line: str = ""
    # What staff answer within during working hours, in minutes, as citizens are told.
    hotline_answer_minutes: int = Field(default=30, ge=1, le=1440)
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
    # Seconds between edits of a notice's progress message (and of a departure's card).
    progress_seconds: float = Field(default=3.0, gt=0, le=300)
    # Evacuation seats go first to these, in this order, then first registered first served
    # (any of vulnerable, children, stuck, transit, comma-separated; empty: registration order).
    evacuation_priority: str = "vulnerable,stuck"
    # A departure's passport data is erased this many days after it leaves (or was due to).
    passport_retention_days: int = Field(default=30, ge=1, le=365)
    # How often offer deadlines, departures and passport retention are checked.
    evacuation_check_seconds: float = Field(default=30, gt=0, le=3600)
    # No new offer goes out this close to a departure: it could not be confirmed in time.
    evacuation_last_offer_minutes: int = Field(default=60, ge=0, le=1440)
    # A declared end of stay: this many days after it the registration closes and its
    # personal data is erased (a message goes out the day before). Ariane keeps 30 days.
    stay_erase_days: int = Field(default=30, ge=1, le=365)
    # How long a family invitation link stays valid (it works once).
    family_invite_days: int = Field(default=7, ge=1, le=90)
    # Two-person rule: a notice to more recipients than this, or marked urgent, waits for a
    # second staff member or admin of its scope to approve it. 0 turns the rule off.
    approval_threshold: int = Field(default=500, ge=0, le=10_000_000)
    # Reminders of routine notices go out only in this local daytime of the citizen's
    # country (urgent ones at any hour).
    reminder_hours: str = "09:00-21:00"
    # SMS to citizens a notice did not reach: off unless a gateway is named. "smsc" is
    # SMSC.kz's HTTP API (bot/sms/smsc.py); the key is its API key, never logged.
    sms_gateway: Literal["", "smsc"] = ""
    sms_api_url: str = "https://smsc.kz/sys/send.php"
    sms_sender: str = ""
    sms_api_key: SecretStr | None = None
    # SMS per second handed to the gateway.
    sms_rate: float = Field(default=5.0, gt=0, le=100)
    # Hotline team tools. A ticket waiting longer than this for a staff answer is flagged in
    # its topic and in a summary to the group: urgent needs (consular help, accommodation,
    # evacuation) and everything else.
    alarm_urgent_minutes: int = Field(default=10, ge=1, le=10080)
    alarm_normal_minutes: int = Field(default=120, ge=1, le=10080)
    # A ticket with no message either way for this many days closes by itself; the
    # citizen is told that writing again reopens it.
    ticket_idle_days: int = Field(default=7, ge=1, le=365)
    # How often the bot looks for tickets past their threshold.
    desk_check_seconds: int = Field(default=60, ge=5, le=3600)

    # Prometheus metrics on http://METRICS_ADDRESS:METRICS_PORT/metrics; 0 turns them off.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_address: str = "127.0.0.1"
    # How often the queue depths shown as metrics are read from the database.
    metrics_sample_seconds: float = Field(default=15.0, ge=1, le=3600)
    # This process's name in metrics and logs (several replicas share one database).
    replica_name: str = Field(default_factory=socket.gethostname, min_length=1, max_length=64)
    # Heartbeat of each replica in the database (PostgreSQL); the send budget is shared out
    # among those seen in the last three beats.
    replica_heartbeat_seconds: float = Field(default=2.0, ge=0.05, le=60)
    # Webhook mode instead of long polling: the public HTTPS URL Telegram posts to (the
    # reverse proxy's), the address and port this process listens on behind it, and the
    # secret Telegram sends with every update (1-256 of A-Z a-z 0-9 _ -).
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_secret: SecretStr | None = None

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

    @field_validator("database_url")
    @classmethod
    def _pg_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and not is_postgres_url(value.get_secret_value()):
            raise ValueError("DATABASE_URL must start with postgresql:// (or be empty for SQLite)")
        return value

    @model_validator(mode="after")
    def _webhook(self) -> Settings:
        if self.webhook_url is None:
            return self
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", self.webhook_url):
            raise ValueError("WEBHOOK_URL must be an http(s) URL")
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            # The value itself is never echoed.
            raise ValueError("WEBHOOK_URL needs WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -)")
        return self

    @property
    def webhook_path(self) -> str:
        """The path this process serves updates on: the public URL's."""
        path = urlsplit(self.webhook_url or "").path
        return path if path and path != "/" else "/telegram"

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

    @field_validator("emergency_line")
    @classmethod
    def _emergency_line(cls, value: str) -> str:
        value = " ".join(value.split())
        if value and normalize_phone(value) is None:
            raise ValueError(
                "EMERGENCY_LINE must be an international phone number, e.g. +7 7172 00 00 00"
            )
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

    @model_validator(mode="after")
    def _alarm_order(self) -> Settings:
        if self.alarm_urgent_minutes > self.alarm_normal_minutes:
            raise ValueError("ALARM_URGENT_MINUTES must not exceed ALARM_NORMAL_MINUTES")
        return self

    @field_validator("fresh_hours", "reminder_hours")
    @classmethod
    def _daytime(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError("FRESH_HOURS and REMINDER_HOURS must look like 10:00-20:00")
        return value

    @field_validator("evacuation_priority")
    @classmethod
    def _priority(cls, value: str) -> str:
        names = [p.strip() for p in value.split(",") if p.strip()]
        unknown = [n for n in names if n not in PRIORITIES]
        if unknown or len(set(names)) != len(names):
            known = ", ".join(PRIORITIES)
            raise ValueError(f"EVACUATION_PRIORITY takes each of {known} at most once")
        return ",".join(names)

    @field_validator("sms_api_url")
    @classmethod
    def _sms_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("SMS_API_URL must start with http:// or https://")
        return value

    @field_validator("sms_sender")
    @classmethod
    def _sms_sender(cls, value: str) -> str:
        # Operators accept an alphanumeric sender of up to 11 Latin characters, or digits.
        if value and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,10}|\d{1,15}", value):
            raise ValueError("SMS_SENDER must be up to 11 Latin letters or digits")
        return value

    @model_validator(mode="after")
    def _sms_key(self) -> Settings:
        if self.sms_gateway and self.sms_api_key is None:
            raise ValueError("SMS_GATEWAY needs SMS_API_KEY")
        return self

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

    def next_opening(self, moment: datetime) -> datetime:
        """When staff are next on duty after `moment` (`moment` itself during working hours)."""
        if self.is_working_time(moment):
            return moment
        start = self.working_hours.split("-")[0]
        local = moment.astimezone(self.tz)
        hour, minute = (int(part) for part in start.split(":"))
        opening = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if opening <= local:
            opening += timedelta(days=1)
        return opening

    @property
    def evacuation_priorities(self) -> tuple[str, ...]:
        """EVACUATION_PRIORITY as a tuple of criteria, most important first."""
        return tuple(p for p in self.evacuation_priority.split(",") if p)

    @property
    def sms_enabled(self) -> bool:
        """Whether an SMS gateway is configured."""
        return bool(self.sms_gateway) and self.sms_api_key is not None

    @staticmethod
    def in_hours(window: str, local: str) -> bool:
        """Whether a local "HH:MM" is inside a "HH:MM-HH:MM" window (which may span midnight)."""
        start, end = window.split("-")
        return start <= local < end if start <= end else (local >= start or local < end)

    @property
    def database_target(self) -> Path | str:
        """What storage.db.Database opens: the PostgreSQL URL if set, else the SQLite file."""
        return self.database_url.get_secret_value() if self.database_url else self.database_path

    @property
    def database_name(self) -> str:
        """The database as it may be shown (never the URL: it may hold a password)."""
        return "PostgreSQL (DATABASE_URL)" if self.database_url else str(self.database_path)

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
