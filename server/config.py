"""Configuration from the environment (flags mirror it), read and checked once at start-up.

`Settings.from_env` either returns settings the server can run with, or raises `ConfigError`
with a message that names the variable (or flag) to fix and what it must look like. A
`Settings` always has a portal, a webhook, OAuth tokens or the embedded sandbox, so nothing
later asks whether one is configured.

Which portal, and how its URL is checked, is portals.py's; here are the limits, the tool
choice and the rest. Settings that work but deserve a word at start-up (plain http, a
deprecated variable) are kept in `Settings.warnings` for the caller to log. A value that
cannot be read is echoed in the message only when its variable holds no secret (a webhook
URL carries its code, so it never is).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias, get_args

from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass as validated_dataclass

from bitrix24_scrum_mcp.env import ConfigError, Env, parse_rate_limit, shown
from bitrix24_scrum_mcp.network import Network, read_network
from bitrix24_scrum_mcp.network import is_loopback as is_loopback  # re-exported: http_app
from bitrix24_scrum_mcp.portals import (
    DEFAULT_OAUTH_SERVER,
    OAUTH_SERVER_SHAPE,
    SETUP_HELP,
    WEBHOOK_SHAPE,
    OAuth,
    Portal,
    Sandbox,
    Secret,
    Team,
    Webhook,
    portal_warnings,
    read_oauth_server,
    read_portal,
)

if TYPE_CHECKING:
    from bitrix24_scrum_mcp.tools.spec import ToolSpec

__all__ = [  # the portal kinds (portals.py) stay importable from here, beside Settings
    "CONFIRM_MODES",
    "DEFAULT_MAX_MESSAGE_BYTES",
    "DEFAULT_OAUTH_SERVER",
    "LIMIT_VARIABLES",
    "LOG_LEVELS",
    "OAUTH_SERVER_SHAPE",
    "SETUP_HELP",
    "WEBHOOK_SHAPE",
    "Confirm",
    "Flags",
    "Limits",
    "LogLevel",
    "OAuth",
    "Portal",
    "Sandbox",
    "Secret",
    "Settings",
    "Team",
    "Webhook",
    "confirm_mode",
    "is_loopback",
    "log_level",
    "read_oauth_server",
]

DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # the SDK's default for a streamable HTTP body
LogLevel: TypeAlias = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
LOG_LEVELS: tuple[LogLevel, ...] = get_args(LogLevel)
Confirm: TypeAlias = Literal["never", "destructive"]
CONFIRM_MODES: tuple[Confirm, ...] = get_args(Confirm)


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


_LOG_LEVEL: TypeAdapter[LogLevel] = TypeAdapter(Annotated[LogLevel, BeforeValidator(_upper)])
_MESSAGE_BYTES = TypeAdapter(Annotated[int, Field(ge=1024)])
_CONFIRM: TypeAdapter[Confirm] = TypeAdapter(
    Annotated[Confirm, BeforeValidator(lambda v: v.lower() if isinstance(v, str) else v)]
)


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
        portal = read_portal(env, network, sandbox=sandbox, sandbox_db=flags.sandbox_db)
        return cls(
            portal=portal,
            limits=_limits(env),
            network=network,
            warnings=portal_warnings(env, portal),
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
