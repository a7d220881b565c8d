"""Configuration from the environment (flags mirror it), read and checked once at start-up.

`Settings.from_env` either returns settings the server can run with, or raises `ConfigError`
with a message that names the variable (or flag) to fix and what it must look like. A
`Settings` always has a portal, a webhook, OAuth tokens or the embedded sandbox, so nothing
later asks whether one is configured.

A portal URL that could leak or mislead (credentials in it, plain HTTP to a remote host
without `BITRIX24_ALLOW_HTTP=1`, a path that is not a documented webhook form) is refused
here, before any request is made. Settings that work but deserve a word at start-up (plain
http, a deprecated variable) are kept in `Settings.warnings` for the caller to log.
Secrets are held as `Secret`, whose repr is masked, and registered with the redactor so they
never reach a log line. A value that cannot be read is echoed in the message only when its
variable holds no secret (a webhook URL carries its code, so it never is).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias, get_args
from urllib.parse import SplitResult, urlsplit

from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass as validated_dataclass

from bitrix24_scrum_mcp.env import ConfigError, Env, parse_rate_limit, shown
from bitrix24_scrum_mcp.network import Network, read_network
from bitrix24_scrum_mcp.network import is_loopback as is_loopback  # re-exported: http_app
from bitrix24_scrum_mcp.redact import REDACTOR

if TYPE_CHECKING:
    from bitrix24_scrum_mcp.tools.spec import ToolSpec

WEBHOOK_PATH = re.compile(r"^/rest/(?P<user>[1-9][0-9]*)/(?P<code>[A-Za-z0-9_]{1,64})/?$")
WEBHOOK_SHAPE = "https://<portal>/rest/<user_id>/<code>/"
DEFAULT_OAUTH_SERVER = "https://oauth.bitrix.info"
OAUTH_SERVER_SHAPE = f"{DEFAULT_OAUTH_SERVER} (the cloud's), or portal (the portal's own)"
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # the SDK's default for a streamable HTTP body
LogLevel: TypeAlias = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
LOG_LEVELS: tuple[LogLevel, ...] = get_args(LogLevel)
Confirm: TypeAlias = Literal["never", "destructive"]
CONFIRM_MODES: tuple[Confirm, ...] = get_args(Confirm)

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


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


_LOG_LEVEL: TypeAdapter[LogLevel] = TypeAdapter(Annotated[LogLevel, BeforeValidator(_upper)])
_MESSAGE_BYTES = TypeAdapter(Annotated[int, Field(ge=1024)])
_CONFIRM: TypeAdapter[Confirm] = TypeAdapter(
    Annotated[Confirm, BeforeValidator(lambda v: v.lower() if isinstance(v, str) else v)]
)


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


@validated_dataclass(frozen=True, slots=True)
class Limits:
    """Pacing, retry and timeout settings (docs: 2 req/s drain, block above 50).

    pydantic checks the bounds, for a value from the environment and from code alike.
    """

    rate_per_s: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 2.0
    burst: Annotated[int, Field(ge=0)] = 50
    max_retries: Annotated[int, Field(ge=0, le=20)] = 4
    backoff_s: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.5
    connect_timeout_s: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 10.0
    # docs: the cloud cuts a request off at 60 s
    read_timeout_s: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 65.0
    total_timeout_s: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 120.0
    max_response_bytes: Annotated[int, Field(ge=1024)] = 16 * 1024 * 1024
    # What one tool result may hand the model (result_caps.py): ~25k tokens of JSON, the
    # size at which Claude Code, for one, stops passing an MCP tool result on.
    max_result_items: Annotated[int, Field(ge=1)] = 500
    max_result_bytes: Annotated[int, Field(ge=4096)] = 100_000

    @property
    def paced(self) -> bool:
        """False with `BITRIX24_RATE_LIMIT=off` (a zero rate or burst): calls are not spaced."""
        return self.rate_per_s > 0 and self.burst > 0

    @property
    def shown(self) -> str:
        if not self.paced:
            return "off (no client-side pacing)"
        return f"{self.rate_per_s:g}/s, burst {self.burst}"


LIMIT_VARIABLES: dict[str, str] = {
    "rate_per_s": "BITRIX24_RATE_LIMIT",
    "burst": "BITRIX24_RATE_LIMIT",
    "max_retries": "BITRIX24_MAX_RETRIES",
    "backoff_s": "BITRIX24_BACKOFF",
    "connect_timeout_s": "BITRIX24_TIMEOUT_CONNECT",
    "read_timeout_s": "BITRIX24_TIMEOUT_READ",
    "total_timeout_s": "BITRIX24_TIMEOUT_TOTAL",
    "max_response_bytes": "BITRIX24_MAX_RESPONSE_BYTES",
    "max_result_items": "BITRIX24_MAX_RESULT_ITEMS",
    "max_result_bytes": "BITRIX24_MAX_RESULT_BYTES",
}
"""The variable each `Limits` field is read from."""
_LIMITS = TypeAdapter(Limits)


@dataclass(frozen=True, slots=True)
class Flags:
    """Command-line flags; each one, when given, overrides the variable it mirrors."""

    sandbox: bool = False  # BITRIX24_SANDBOX
    sandbox_db: str | None = None  # BITRIX24_SANDBOX_DB
    toolsets: str | None = None  # BITRIX24_TOOLSETS
    read_only: bool = False  # BITRIX24_READ_ONLY
    dynamic_toolsets: bool = False  # BITRIX24_DYNAMIC_TOOLSETS
    log_level: LogLevel | None = None  # BITRIX24_LOG_LEVEL


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server needs to start; built once by `from_env`.

    Raises:
        ConfigError: toolsets that do not exist.
    """

    portal: Portal
    limits: Limits = field(default_factory=Limits)
    network: Network = field(default_factory=Network)
    toolsets: frozenset[str] | None = None
    read_only: bool = False
    dynamic_toolsets: bool = False
    """Start small (discovery and the workbench) and add toolsets when an agent asks."""
    log_level: LogLevel = "WARNING"
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    confirm: Confirm = "destructive"
    """BITRIX24_CONFIRM: ask the person before a destructive call (`destructive`), or never
    (an unattended agent); only clients that declare elicitation are asked (confirm.py)."""
    warnings: tuple[str, ...] = ()
    """What start-up should say on stderr: plain http in use, a deprecated variable."""

    def __post_init__(self) -> None:
        self.tools()  # unknown toolsets fail here, at start-up
        if self.dynamic_toolsets and isinstance(self.portal, Team):
            raise ConfigError(
                "BITRIX24_DYNAMIC_TOOLSETS is not for a team server: one person enabling a "
                "toolset would change everyone's tools; choose them with BITRIX24_TOOLSETS"
            )

    def tools(self) -> tuple[ToolSpec, ...]:
        """The spec rows to offer at start: the chosen toolsets (the default profile unless
        named), only reads in read-only mode; with dynamic toolsets, the discovery tools and
        the workbench (or the named toolsets)."""
        from bitrix24_scrum_mcp.tools import UnknownToolsetError, discovery, select

        try:
            if self.dynamic_toolsets:
                start = select(self.toolsets or ["workflow"], read_only=self.read_only)
                return (*discovery.TOOLS, *start)
            return select(self.toolsets, read_only=self.read_only)
        except UnknownToolsetError as exc:
            raise ConfigError(f"BITRIX24_TOOLSETS (--toolsets): {exc}") from None

    def reserve(self) -> tuple[ToolSpec, ...] | None:
        """With dynamic toolsets, every row `enable_toolset` may add; else None."""
        from bitrix24_scrum_mcp.tools import select

        return select(["all"], read_only=self.read_only) if self.dynamic_toolsets else None

    def redacted(self) -> dict[str, str]:
        """The configuration as `doctor` shows it: no secret in it."""
        auth = {Webhook: "webhook", OAuth: "oauth", Sandbox: "sandbox", Team: "per person"}[
            type(self.portal)
        ]
        shown = {
            "portal": self.portal.display,
            "auth": auth,
            "toolsets": ",".join(sorted(self.toolsets)) if self.toolsets else "default",
            "read_only": str(self.read_only).lower(),
            "confirm": self.confirm,
            "rate": self.limits.shown,
            "timeouts": f"connect {self.limits.connect_timeout_s}s, "
            f"read {self.limits.read_timeout_s}s, total {self.limits.total_timeout_s}s",
        }
        if self.dynamic_toolsets:
            shown["toolsets"] += ", dynamic (BITRIX24_DYNAMIC_TOOLSETS=1)"
        if isinstance(self.portal, OAuth):
            shown["refresh"] = "configured" if self.portal.can_refresh else "not configured"
            shown["oauth_server"] = self.portal.oauth_server
        if not isinstance(self.portal, Sandbox):
            shown["trust"] = self.network.trust
            if self.portal.origin is not None:  # a tokens file has a portal per person
                shown["proxy"] = self.network.route(self.portal.origin).shown
            if self.network.allow_http:
                shown["plain_http"] = "allowed (BITRIX24_ALLOW_HTTP=1)"
        return shown

    @classmethod
    def from_env(cls, environ: Mapping[str, str], flags: Flags | None = None) -> Settings:
        """Read the `BITRIX24_*` and `MCP_*` variables; `flags` come from the command line.

        Raises:
            ConfigError: no portal, or a value that cannot be read; the message names it.
        """
        flags = flags or Flags()
        env = Env(environ)
        toolsets = flags.toolsets if flags.toolsets is not None else env.text("BITRIX24_TOOLSETS")
        sandbox = flags.sandbox or env.flag("BITRIX24_SANDBOX")
        network = Network() if sandbox else read_network(env)  # the sandbox has no network
        portal = _portal(env, flags, network, sandbox=sandbox)
        return cls(
            portal=portal,
            limits=_limits(env),
            network=network,
            warnings=_warnings(env, portal),
            toolsets=_toolsets(toolsets),
            read_only=flags.read_only or env.flag("BITRIX24_READ_ONLY"),
            dynamic_toolsets=flags.dynamic_toolsets or env.flag("BITRIX24_DYNAMIC_TOOLSETS"),
            log_level=flags.log_level or log_level(environ),
            max_message_bytes=env.parse(
                "MCP_MAX_MESSAGE_BYTES", _MESSAGE_BYTES, "a number of bytes, at least 1024"
            )
            or DEFAULT_MAX_MESSAGE_BYTES,
            confirm=confirm_mode(environ),
        )


def confirm_mode(environ: Mapping[str, str]) -> Confirm:
    """`BITRIX24_CONFIRM` (any case), `destructive` when unset."""
    must = f"one of {', '.join(CONFIRM_MODES)}"
    return Env(environ).parse("BITRIX24_CONFIRM", _CONFIRM, must) or "destructive"


def log_level(environ: Mapping[str, str]) -> LogLevel:
    """`BITRIX24_LOG_LEVEL` (any case), WARNING when unset."""
    must = f"one of {', '.join(LOG_LEVELS)}"
    return Env(environ).parse("BITRIX24_LOG_LEVEL", _LOG_LEVEL, must) or "WARNING"


def _portal(env: Env, flags: Flags, network: Network, *, sandbox: bool) -> Portal:
    """The sandbox when asked for, else a webhook, else OAuth tokens; only that one is read."""
    if sandbox:
        return _sandbox(flags.sandbox_db or env.text("BITRIX24_SANDBOX_DB"))
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


def _warnings(env: Env, portal: Portal) -> tuple[str, ...]:
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


def _toolsets(value: str | None) -> frozenset[str] | None:
    if not value:
        return None
    return frozenset(part.strip() for part in value.split(",") if part.strip()) or None


def _limits(env: Env) -> Limits:
    """`Limits` from the variables in `LIMIT_VARIABLES`; an error names the variable."""
    raw = {f: text for f, name in LIMIT_VARIABLES.items() if (text := env.text(name)) is not None}
    values: dict[str, object] = dict(raw)
    if rate := env.text("BITRIX24_RATE_LIMIT"):
        values["rate_per_s"], values["burst"] = parse_rate_limit(rate, "BITRIX24_RATE_LIMIT")
    try:
        return _LIMITS.validate_python(values)
    except ValidationError as exc:
        first = exc.errors()[0]  # "Input should be greater than 0", and the like
        name = str(first["loc"][0])
        must = first["msg"].removeprefix("Input should be ")
        raise ConfigError(
            f"{LIMIT_VARIABLES[name]} must be {must} (got {shown(raw[name])})"
        ) from None
