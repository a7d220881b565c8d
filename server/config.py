"""Configuration from the environment (flags mirror it), checked once at start-up.

A portal URL that could leak or mislead (credentials in it, plain HTTP to a remote host,
a path that is not a documented webhook form) is refused here with a message that says
what to set, before any request is made. Secrets are held as `Secret`, whose repr is
masked, and registered with the redactor so they never reach a log line.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from bitrix24_scrum_mcp.redact import REDACTOR

WEBHOOK_PATH = re.compile(r"^/rest/(?P<user>[1-9][0-9]*)/(?P<code>[A-Za-z0-9_]{1,64})/?$")
DEFAULT_OAUTH_SERVER = "https://oauth.bitrix.info"

Getter = Callable[[str], "str | None"]
"""Reads one environment variable, blank counting as unset."""

SETUP_HELP = """\
No Bitrix24 portal is configured. Set one of:
  BITRIX24_WEBHOOK_URL=https://<portal>/rest/<user_id>/<code>/   (incoming webhook with the
                                                                  'task' scope)
  BITRIX24_PORTAL_URL=https://<portal> and BITRIX24_ACCESS_TOKEN=...   (OAuth; add
      BITRIX24_REFRESH_TOKEN, BITRIX24_CLIENT_ID and BITRIX24_CLIENT_SECRET to refresh it)
or run with --sandbox to use the embedded demo portal."""


class ConfigError(ValueError):
    """The configuration cannot work; the message says what to change."""


class Secret:
    """A string that never shows itself in repr, str or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        REDACTOR.add(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_origin(url: str, what: str) -> tuple[str, str]:
    """Validate scheme, host and credentials of a portal URL; return (scheme, netloc)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise ConfigError(f"{what} must start with https:// (got scheme {parts.scheme!r})")
    if parts.username or parts.password:
        raise ConfigError(f"{what} must not contain a user name or password")
    host = parts.hostname or ""
    if not host:
        raise ConfigError(f"{what} has no host name")
    if parts.scheme == "http" and not is_loopback(host):
        raise ConfigError(f"{what} must use https:// (plain http is allowed only for loopback)")
    if parts.query or parts.fragment:
        raise ConfigError(f"{what} must not have a query string or fragment")
    return parts.scheme, parts.netloc


@dataclass(frozen=True, slots=True)
class Webhook:
    """An incoming webhook: calls go to `<base>/<method>`."""

    origin: str
    user_id: int
    code: Secret

    @property
    def base(self) -> str:
        return f"{self.origin}/rest/{self.user_id}/{self.code.reveal()}/"

    @property
    def display(self) -> str:
        return f"{self.origin}/rest/{self.user_id}/***/"

    @classmethod
    def parse(cls, url: str) -> Webhook:
        parts = urlsplit(url.strip())
        match = WEBHOOK_PATH.match(parts.path)
        if match:
            REDACTOR.add(match["code"])  # before any error below can echo the URL
        scheme, netloc = _check_origin(url.strip(), "BITRIX24_WEBHOOK_URL")
        if not match:
            raise ConfigError(
                "BITRIX24_WEBHOOK_URL must look like https://<portal>/rest/<user_id>/<code>/"
            )
        return cls(f"{scheme}://{netloc}", int(match["user"]), Secret(match["code"]))


@dataclass(frozen=True, slots=True)
class OAuth:
    """An OAuth app's tokens: calls go to `<portal>/rest/<method>` with `auth`."""

    origin: str
    access_token: Secret
    refresh_token: Secret | None = None
    client_id: str | None = None
    client_secret: Secret | None = None
    oauth_server: str = DEFAULT_OAUTH_SERVER
    token_file: Path | None = None

    @property
    def display(self) -> str:
        return f"{self.origin}/rest/ (OAuth)"

    @property
    def can_refresh(self) -> bool:
        return bool(self.refresh_token and self.client_id and self.client_secret)


@dataclass(frozen=True, slots=True)
class Limits:
    """Pacing, retry and timeout settings (docs: 2 req/s drain, block above 50)."""

    rate_per_s: float = 2.0
    burst: int = 50
    max_retries: int = 4
    backoff_s: float = 0.5
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 65.0  # docs: the cloud cuts a request off at 60 s
    total_timeout_s: float = 120.0
    max_response_bytes: int = 16 * 1024 * 1024

    def __post_init__(self) -> None:
        for name in ("rate_per_s", "backoff_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ConfigError(f"{name} must be a finite number >= 0 (got {value!r})")
        for name in ("connect_timeout_s", "read_timeout_s", "total_timeout_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"timeout {name} must be a finite number > 0 (got {value!r})")
        if self.burst < 0 or self.max_retries < 0 or self.max_retries > 20:
            raise ConfigError("burst must be >= 0 and max_retries between 0 and 20")
        if self.max_response_bytes < 1024:
            raise ConfigError("max_response_bytes must be at least 1024")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server needs to start; built once by `from_env`."""

    portal: Webhook | OAuth | None = None
    sandbox: bool = False
    sandbox_db: str | None = None
    limits: Limits = field(default_factory=Limits)
    toolsets: frozenset[str] | None = None
    read_only: bool = False
    log_level: str = "WARNING"

    def require_portal(self) -> None:
        if self.portal is None and not self.sandbox:
            raise ConfigError(SETUP_HELP)

    def redacted(self) -> dict[str, str]:
        """The configuration as `doctor` shows it: no secret in it."""
        portal = (
            "sandbox (embedded)" if self.sandbox else (self.portal.display if self.portal else "-")
        )
        shown = {
            "portal": portal,
            "auth": "webhook"
            if isinstance(self.portal, Webhook)
            else "oauth"
            if self.portal
            else "-",
            "toolsets": ",".join(sorted(self.toolsets)) if self.toolsets else "all",
            "read_only": str(self.read_only).lower(),
            "rate": f"{self.limits.rate_per_s}/s, burst {self.limits.burst}",
            "timeouts": f"connect {self.limits.connect_timeout_s}s, "
            f"read {self.limits.read_timeout_s}s, total {self.limits.total_timeout_s}s",
        }
        if isinstance(self.portal, OAuth):
            shown["refresh"] = "configured" if self.portal.can_refresh else "not configured"
        return shown

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> Settings:
        """Read `BITRIX24_*` variables; keyword overrides come from command-line flags."""

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        portal: Webhook | OAuth | None = None
        if webhook := get("BITRIX24_WEBHOOK_URL"):
            portal = Webhook.parse(webhook)
        elif portal_url := get("BITRIX24_PORTAL_URL"):
            portal = _oauth_from_env(portal_url, get)
        settings = cls(
            portal=portal,
            sandbox=_flag(get("BITRIX24_SANDBOX")),
            sandbox_db=get("BITRIX24_SANDBOX_DB"),
            limits=_limits_from_env(get),
            toolsets=_toolsets(get("BITRIX24_TOOLSETS")),
            read_only=_flag(get("BITRIX24_READ_ONLY")),
            log_level=(get("BITRIX24_LOG_LEVEL") or "WARNING").upper(),
        )
        values = {k: v for k, v in overrides.items() if v is not None}
        if isinstance(values.get("toolsets"), str):
            values["toolsets"] = _toolsets(str(values["toolsets"]))
        return _replace(settings, values)


def _replace(settings: Settings, values: dict[str, object]) -> Settings:
    return replace(settings, **values)  # type: ignore[arg-type]


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


def _toolsets(value: str | None) -> frozenset[str] | None:
    if not value:
        return None
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def _oauth_from_env(portal_url: str, get: Getter) -> OAuth:
    access = get("BITRIX24_ACCESS_TOKEN")
    if not access:
        raise ConfigError("BITRIX24_PORTAL_URL is set but BITRIX24_ACCESS_TOKEN is not")
    scheme, netloc = _check_origin(portal_url.strip(), "BITRIX24_PORTAL_URL")
    path = urlsplit(portal_url.strip()).path
    if path not in ("", "/", "/rest", "/rest/"):
        raise ConfigError(
            "BITRIX24_PORTAL_URL must be the portal address, e.g. https://x.bitrix24.com"
        )
    refresh = get("BITRIX24_REFRESH_TOKEN")
    secret = get("BITRIX24_CLIENT_SECRET")
    oauth_server = get("BITRIX24_OAUTH_URL") or DEFAULT_OAUTH_SERVER
    _check_origin(oauth_server, "BITRIX24_OAUTH_URL")
    token_file = get("BITRIX24_TOKEN_FILE")
    return OAuth(
        origin=f"{scheme}://{netloc}",
        access_token=Secret(access),
        refresh_token=Secret(refresh) if refresh else None,
        client_id=get("BITRIX24_CLIENT_ID"),
        client_secret=Secret(secret) if secret else None,
        oauth_server=oauth_server.rstrip("/"),
        token_file=Path(token_file) if token_file else None,
    )


def _limits_from_env(get: Getter) -> Limits:
    limits = Limits()
    values: dict[str, float | int] = {}
    rate = get("BITRIX24_RATE_LIMIT")
    if rate:
        try:
            per_s, _, burst = rate.partition("/")
            values["rate_per_s"] = float(per_s)
            if burst:
                values["burst"] = int(burst)
        except ValueError:
            raise ConfigError(
                "BITRIX24_RATE_LIMIT must look like 2/50 (per second/burst)"
            ) from None
    for env_name, attr, kind in (
        ("BITRIX24_MAX_RETRIES", "max_retries", int),
        ("BITRIX24_TIMEOUT_CONNECT", "connect_timeout_s", float),
        ("BITRIX24_TIMEOUT_READ", "read_timeout_s", float),
        ("BITRIX24_TIMEOUT_TOTAL", "total_timeout_s", float),
        ("BITRIX24_BACKOFF", "backoff_s", float),
        ("BITRIX24_MAX_RESPONSE_BYTES", "max_response_bytes", int),
    ):
        raw = get(env_name)
        if raw is not None:
            try:
                values[attr] = kind(raw)
            except ValueError:
                raise ConfigError(f"{env_name} must be a number (got {raw!r})") from None
    return replace(limits, **values)  # type: ignore[arg-type]
