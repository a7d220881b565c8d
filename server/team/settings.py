# pyright: strict
"""The team server's settings: who the people are, where shared state lives, where audit goes.

Read once at start-up like `Settings`, and refused with a message that names the variable:

- `MCP_HTTP_TOKENS_FILE`: bearer tokens mapped to each person's webhook (`tokens_file`).
- `BITRIX24_PORTAL_URL` + `BITRIX24_CLIENT_ID` + `BITRIX24_CLIENT_SECRET` + `MCP_PUBLIC_URL`
  (no `BITRIX24_ACCESS_TOKEN`): people sign in at the portal (`SignIn`); the server's own
  records are sealed with `BITRIX24_STATE_KEY`.
- `BITRIX24_STATE_URL`: `redis://`, `rediss://` or `unix://` for Redis (replicas), or
  `file:///path/state.sqlite3` (default: `$XDG_STATE_HOME/bitrix24-scrum-mcp/state.sqlite3`).
- `BITRIX24_AUDIT_LOG`: a JSONL file for the audit of every write; unset, the audit goes to
  the Redis stream when state is on Redis, and nowhere otherwise.
- `MCP_PERSON_CONCURRENCY` (default 4) and `MCP_ACCESS_TOKEN_TTL` (seconds, default 900).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote, urlsplit

from pydantic import Field, TypeAdapter

from bitrix24_scrum_mcp.config import Secret, Settings, Team, is_loopback, read_oauth_server
from bitrix24_scrum_mcp.env import ConfigError, Env, shown
from bitrix24_scrum_mcp.redact import REDACTOR

REDIS_SCHEMES = ("redis", "rediss", "unix")
_CONCURRENCY = TypeAdapter(Annotated[int, Field(ge=1, le=100)])
_TTL = TypeAdapter(Annotated[int, Field(ge=1, le=86400)])


@dataclass(frozen=True, slots=True)
class SignIn:
    """A Bitrix24 OAuth application people sign in through, and this server's public address."""

    portal: str  # origin of the portal people sign in to
    client_id: str
    client_secret: Secret
    oauth_server: str  # where the portal's OAuth server answers /oauth/token/
    public_url: str  # this server as clients and browsers reach it (an origin)
    state_keys: tuple[Secret, ...]
    access_ttl_s: int = 900

    @property
    def mcp_url(self) -> str:
        return f"{self.public_url}/mcp"

    @property
    def callback_url(self) -> str:
        return f"{self.public_url}/oauth/callback"


@dataclass(frozen=True, slots=True)
class TeamSettings:
    """Shared state and audit for any HTTP server; people for a team server."""

    tokens_file: Path | None = None
    sign_in: SignIn | None = None
    redis_url: Secret | None = None  # may carry a password
    state_path: Path | None = None  # the local SQLite file (None: in memory)
    audit_log: Path | None = None
    person_concurrency: int = 4

    @property
    def per_person(self) -> bool:
        return self.tokens_file is not None or self.sign_in is not None

    @property
    def needs_team_app(self) -> bool:
        """More than one process's worth of state: people, Redis, or an audit log."""
        return self.per_person or self.redis_url is not None or self.audit_log is not None

    def describe(self) -> str:
        """How people get in, for the start-up line."""
        if self.sign_in is not None:
            return f"each person signs in at {self.sign_in.portal}"
        return "each person's bearer token from MCP_HTTP_TOKENS_FILE"

    @classmethod
    def from_env(cls, environ: Mapping[str, str], settings: Settings) -> TeamSettings:
        """Raises: ConfigError naming the variable that cannot be used."""
        env = Env(environ)
        redis_url, state_path = _state(env)
        tokens = env.text("MCP_HTTP_TOKENS_FILE")
        portal = settings.portal
        sign_in = None
        if isinstance(portal, Team) and portal.origin:
            oauth_server = read_oauth_server(
                env, portal.origin, allow_http=settings.network.allow_http
            )
            sign_in = _sign_in(env, portal.origin, oauth_server)
        return cls(
            tokens_file=Path(tokens).expanduser() if tokens else None,
            sign_in=sign_in,
            redis_url=redis_url,
            state_path=state_path,
            audit_log=_audit_log(env),
            person_concurrency=env.parse(
                "MCP_PERSON_CONCURRENCY", _CONCURRENCY, "a whole number from 1 to 100"
            )
            or 4,
        )


def _state(env: Env) -> tuple[Secret | None, Path | None]:
    url = env.text("BITRIX24_STATE_URL")
    if url is None:
        base = env.text("XDG_STATE_HOME") or str(Path("~/.local/state").expanduser())
        return None, Path(base) / "bitrix24-scrum-mcp" / "state.sqlite3"
    parts = urlsplit(url)
    if parts.scheme in REDIS_SCHEMES:
        if parts.password:
            REDACTOR.add(parts.password)
        return Secret(url), None
    if parts.scheme == "file" and parts.path and parts.netloc in ("", "localhost"):
        return None, Path(unquote(parts.path))
    raise ConfigError(
        "BITRIX24_STATE_URL must be redis://[:password@]host:6379/0 (or rediss://, unix://) "
        "for state shared by replicas, or file:///path/state.sqlite3"
    )


def _audit_log(env: Env) -> Path | None:
    path = env.text("BITRIX24_AUDIT_LOG")
    if path is None:
        return None
    target = Path(path).expanduser()
    if not target.parent.is_dir():
        raise ConfigError(f"BITRIX24_AUDIT_LOG is in a folder that does not exist: {shown(path)}")
    return target


def _public_url(env: Env) -> str:
    url = env.text("MCP_PUBLIC_URL") or ""
    shape = "https://mcp.example.com (scheme and host, and a port if not the default)"
    try:
        parts = urlsplit(url.rstrip("/"))
        _ = parts.port
    except ValueError:
        raise ConfigError(f"MCP_PUBLIC_URL is not a valid URL; it must look like {shape}") from None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or parts.path or parts.query:
        raise ConfigError(f"MCP_PUBLIC_URL must look like {shape}, not {shown(url)}")
    if parts.scheme == "http" and not is_loopback(host):
        raise ConfigError(
            "MCP_PUBLIC_URL must use https:// (people's browsers and tokens go through it); "
            "plain http is allowed only for loopback"
        )
    return f"{parts.scheme}://{parts.netloc}"


def _sign_in(env: Env, portal: str, oauth_server: str) -> SignIn:
    client_id = env.text("BITRIX24_CLIENT_ID")
    secret = env.text("BITRIX24_CLIENT_SECRET")
    if not client_id or not secret:
        raise ConfigError(
            "MCP_PUBLIC_URL with BITRIX24_PORTAL_URL signs people in through a Bitrix24 OAuth "
            "application: set BITRIX24_CLIENT_ID and BITRIX24_CLIENT_SECRET (the application's "
            "client_id and client_secret)"
        )
    keys = tuple(Secret(k.strip()) for k in (env.text("BITRIX24_STATE_KEY") or "").split(","))
    return SignIn(
        portal=portal,
        client_id=client_id,
        client_secret=Secret(secret),
        oauth_server=oauth_server,
        public_url=_public_url(env),
        state_keys=tuple(k for k in keys if k.reveal()),
        access_ttl_s=env.parse("MCP_ACCESS_TOKEN_TTL", _TTL, "seconds, from 1 to 86400") or 900,
    )
