# pyright: strict
"""Which portal the server talks to, read from the environment: a webhook, OAuth tokens, the
embedded sandbox, or a team server's people.

A portal URL that could leak or mislead (credentials in it, plain HTTP to a remote host
without `BITRIX24_ALLOW_HTTP=1`, a path that is not a documented webhook form) is refused
here, before any request is made. Secrets are held as `Secret`, whose repr is masked, and
registered with the redactor so they never reach a log line. `config.Settings` holds the
portal beside the other settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias
from urllib.parse import SplitResult, urlsplit

from bitrix24_scrum_mcp.env import ConfigError, Env
from bitrix24_scrum_mcp.network import Network, is_loopback
from bitrix24_scrum_mcp.redact import REDACTOR

WEBHOOK_PATH = re.compile(r"^/rest/(?P<user>[1-9][0-9]*)/(?P<code>[A-Za-z0-9_]{1,64})/?$")
WEBHOOK_SHAPE = "https://<portal>/rest/<user_id>/<code>/"
DEFAULT_OAUTH_SERVER = "https://oauth.bitrix.info"
OAUTH_SERVER_SHAPE = f"{DEFAULT_OAUTH_SERVER} (the cloud's), or portal (the portal's own)"

SETUP_HELP = f"""\
No Bitrix24 portal is configured. Set one of:
  BITRIX24_WEBHOOK_URL={WEBHOOK_SHAPE}   (incoming webhook with the
                                                                  'task' scope)
  BITRIX24_PORTAL_URL=https://<portal> and BITRIX24_ACCESS_TOKEN=...   (OAuth; add
      BITRIX24_REFRESH_TOKEN, BITRIX24_CLIENT_ID and BITRIX24_CLIENT_SECRET to refresh it)
or run with --sandbox to use the embedded demo portal."""


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


def _split_url(url: str, what: str, shape: str) -> SplitResult:
    """`urlsplit`, with the port read too, so a URL the client could not use fails here.

    The library's own message is not passed on: it may quote the part that holds a secret.
    """
    try:
        parts = urlsplit(url)
        _ = parts.port  # ValueError for a port that is not a number in 0-65535
    except ValueError:
        raise ConfigError(
            f"{what} is not a valid URL (check the host name, the port and the brackets "
            f"around an IPv6 address); it must look like {shape}"
        ) from None
    return parts


def _check_origin(url: str, what: str, shape: str, *, allow_http: bool) -> tuple[str, str]:
    """Validate scheme, host and credentials of a portal URL; return (scheme, netloc)."""
    parts = _split_url(url, what, shape)
    if parts.scheme not in ("https", "http"):
        raise ConfigError(f"{what} must start with https:// (got scheme {parts.scheme!r})")
    if parts.username or parts.password:
        raise ConfigError(f"{what} must not contain a user name or password")
    host = parts.hostname or ""
    if not host:
        raise ConfigError(f"{what} has no host name")
    if not (re.fullmatch(r"[\w.-]+", host) or ":" in host):  # ':' only in a bracketed IPv6
        raise ConfigError(
            f"{what} has characters a host name cannot have; it must look like {shape}"
        )
    if parts.scheme == "http" and not is_loopback(host) and not allow_http:
        raise ConfigError(
            f"{what} must use https:// (plain http is allowed for loopback, and for another "
            "host only with BITRIX24_ALLOW_HTTP=1, which sends its secrets in clear)"
        )
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
    def parse(cls, url: str, *, allow_http: bool = False) -> Webhook:
        """Raises ConfigError for a URL that is not a safe webhook URL; it never quotes it."""
        url = url.strip()
        match = WEBHOOK_PATH.match(_split_url(url, "BITRIX24_WEBHOOK_URL", WEBHOOK_SHAPE).path)
        if match:
            REDACTOR.add(match["code"])  # before any error below can echo the URL
        scheme, netloc = _check_origin(
            url, "BITRIX24_WEBHOOK_URL", WEBHOOK_SHAPE, allow_http=allow_http
        )
        if not match:
            raise ConfigError(f"BITRIX24_WEBHOOK_URL must look like {WEBHOOK_SHAPE}")
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
class Sandbox:
    """The embedded demo portal (`--sandbox`): the emulator runs in-process, no network."""

    db_path: str | None = None  # None: in memory, gone when the server stops

    @property
    def display(self) -> str:
        return "sandbox (embedded)" + (f", state in {self.db_path}" if self.db_path else "")


@dataclass(frozen=True, slots=True)
class Team:
    """A team server (HTTP only): each caller acts as themselves, see `bitrix24_scrum_mcp.team`.

    People come from `MCP_HTTP_TOKENS_FILE` (a webhook each), or sign in to the portal at
    `origin` through a Bitrix24 OAuth application; `team.settings` reads the rest.
    """

    origin: str | None = None  # the portal people sign in to; None with a tokens file

    @property
    def display(self) -> str:
        if self.origin is None:
            return "each person's own webhook (MCP_HTTP_TOKENS_FILE)"
        return f"{self.origin}/rest/ (each person signs in with OAuth)"


Portal: TypeAlias = Webhook | OAuth | Sandbox | Team
"""Where calls go. A person's identity on a team server is a `Webhook` or `OAuth`."""


def read_portal(env: Env, network: Network, *, sandbox: bool, sandbox_db: str | None) -> Portal:
    """The sandbox when asked for, else a webhook, else OAuth tokens; only that one is read."""
    if sandbox:
        return _sandbox(sandbox_db or env.text("BITRIX24_SANDBOX_DB"))
    if env.text("MCP_HTTP_TOKENS_FILE"):
        if env.text("BITRIX24_WEBHOOK_URL") or env.text("BITRIX24_PORTAL_URL"):
            raise ConfigError(
                "MCP_HTTP_TOKENS_FILE gives each person their own webhook: unset "
                "BITRIX24_WEBHOOK_URL and BITRIX24_PORTAL_URL, or unset MCP_HTTP_TOKENS_FILE"
            )
        return Team()
    if webhook := env.text("BITRIX24_WEBHOOK_URL"):
        return Webhook.parse(webhook, allow_http=network.allow_http)
    if portal_url := env.text("BITRIX24_PORTAL_URL"):
        if env.text("MCP_PUBLIC_URL") and not env.text("BITRIX24_ACCESS_TOKEN"):
            # A team server: people sign in through the OAuth application (team.settings)
            return Team(_portal_origin(portal_url, allow_http=network.allow_http))
        return _oauth(env, portal_url, allow_http=network.allow_http)
    raise ConfigError(SETUP_HELP)


def portal_warnings(env: Env, portal: Portal) -> tuple[str, ...]:
    """Settings that work but that a person should hear about at every start."""
    said: list[str] = []
    if isinstance(portal, Sandbox):
        return ()
    secret = "the webhook code" if isinstance(portal, Webhook) else "the access token"
    if portal.origin is not None and _in_clear(portal.origin):
        said.append(
            f"plain http to {portal.origin} (BITRIX24_ALLOW_HTTP=1): {secret} travels in "
            "clear with every call, readable by anyone on the network path"
        )
    if isinstance(portal, OAuth):
        if portal.oauth_server != portal.origin and _in_clear(portal.oauth_server):
            said.append(
                f"plain http to the OAuth server {portal.oauth_server} (BITRIX24_ALLOW_HTTP=1): "
                "the client secret and refresh token travel in clear at every refresh"
            )
        if env.text("BITRIX24_OAUTH_URL") and not env.text("BITRIX24_OAUTH_SERVER"):
            said.append("BITRIX24_OAUTH_URL is deprecated: rename it BITRIX24_OAUTH_SERVER")
    return tuple(said)


def _in_clear(origin: str) -> bool:
    parts = urlsplit(origin)
    return parts.scheme == "http" and not is_loopback(parts.hostname or "")


def _sandbox(db_path: str | None) -> Sandbox:
    if db_path and not Path(db_path).expanduser().parent.is_dir():
        raise ConfigError(
            f"BITRIX24_SANDBOX_DB (--sandbox-db) is in a folder that does not exist: {db_path}"
        )
    return Sandbox(str(Path(db_path).expanduser()) if db_path else None)


def _oauth(env: Env, portal_url: str, *, allow_http: bool) -> OAuth:
    access = env.text("BITRIX24_ACCESS_TOKEN")
    if not access:
        raise ConfigError(
            "BITRIX24_PORTAL_URL is set but BITRIX24_ACCESS_TOKEN is not (for a team server "
            "where each person signs in, set MCP_PUBLIC_URL instead)"
        )
    origin = _portal_origin(portal_url, allow_http=allow_http)
    refresh = env.text("BITRIX24_REFRESH_TOKEN")
    secret = env.text("BITRIX24_CLIENT_SECRET")
    token_file = env.text("BITRIX24_TOKEN_FILE")
    return OAuth(
        origin=origin,
        access_token=Secret(access),
        refresh_token=Secret(refresh) if refresh else None,
        client_id=env.text("BITRIX24_CLIENT_ID"),
        client_secret=Secret(secret) if secret else None,
        oauth_server=read_oauth_server(env, origin, allow_http=allow_http),
        token_file=Path(token_file).expanduser() if token_file else None,
    )


def _portal_origin(portal_url: str, *, allow_http: bool) -> str:
    portal_shape = "https://<portal>, e.g. https://x.bitrix24.com"
    scheme, netloc = _check_origin(
        portal_url, "BITRIX24_PORTAL_URL", portal_shape, allow_http=allow_http
    )
    if urlsplit(portal_url).path not in ("", "/", "/rest", "/rest/"):
        raise ConfigError(f"BITRIX24_PORTAL_URL must be the portal address: {portal_shape}")
    return f"{scheme}://{netloc}"


def read_oauth_server(env: Env, portal_origin: str, *, allow_http: bool = False) -> str:
    """The OAuth server for a portal: `BITRIX24_OAUTH_SERVER` (or the deprecated
    `BITRIX24_OAUTH_URL`), the word `portal` for the portal's own, else the cloud's.

    Raises:
        ConfigError: a value that is neither `portal` nor a safe https address.
    """
    name = "BITRIX24_OAUTH_SERVER" if env.text("BITRIX24_OAUTH_SERVER") else "BITRIX24_OAUTH_URL"
    value = env.text(name)
    if value is None:
        return DEFAULT_OAUTH_SERVER
    if value.lower() == "portal":
        return portal_origin
    scheme, netloc = _check_origin(value, name, OAUTH_SERVER_SHAPE, allow_http=allow_http)
    path = urlsplit(value).path.rstrip("/")
    if path.endswith(("/oauth/token", "/oauth/authorize")):
        raise ConfigError(
            f"{name} is the OAuth server's address without /oauth/token/ (it is added): "
            f"{OAUTH_SERVER_SHAPE}"
        )
    return f"{scheme}://{netloc}{path}"
