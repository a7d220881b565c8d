"""How the server reaches a portal: the certificates it trusts, the proxy it goes through and
whether plain http is allowed. Read once, from the same environment mapping as every other
setting, so `doctor` reports exactly what the client does.

Trust: the system's certificate store (through httpx2: OpenSSL's on Linux, the OS verifier
via truststore on macOS and Windows), plus `BITRIX24_CA_BUNDLE` on top of it for a company
CA. `SSL_CERT_FILE` / `SSL_CERT_DIR` replace the system store, as they do for OpenSSL and
httpx2: that is the "instead of" choice.

Proxies: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` in either case (lower case
wins, as in Python's urllib and httpx2). NO_PROXY is read as curl reads it: `*`, or a comma
list of host names (each matches itself and its subdomains; a leading `.` or `*.` changes
nothing), `host:port`, IP addresses and CIDR ranges. A loopback destination never goes
through a proxy: the sandbox and a tunnel to a portal on this machine are reached directly
whatever the environment says.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import SplitResult, urlsplit

from bitrix24_scrum_mcp.env import ConfigError, Env
from bitrix24_scrum_mcp.redact import REDACTOR

PROXY_VARIABLES = ("https_proxy", "http_proxy", "all_proxy", "no_proxy")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Setting:
    """One proxy variable's value and name; its repr leaves the value out (it may hold a
    password)."""

    value: str = field(repr=False)
    variable: str


@dataclass(frozen=True, slots=True)
class Route:
    """How requests to one destination travel: directly, or through `proxy`."""

    proxy: str | None = field(default=None, repr=False)  # may hold a password
    variable: str | None = None  # the variable that named the proxy, or that bypassed it
    why: str = "no proxy is set"

    @property
    def shown(self) -> str:
        if self.proxy is None:
            return f"direct ({self.why})"
        return f"through the proxy {_display(self.proxy)} ({self.variable})"


@dataclass(frozen=True, slots=True)
class Network:
    """Trust, proxies and the plain-http opt-in for the portal's connections."""

    ca_bundle: Path | None = None  # BITRIX24_CA_BUNDLE: added to the store below
    cert_file: Path | None = None  # SSL_CERT_FILE: replaces the system store
    cert_dir: Path | None = None  # SSL_CERT_DIR: replaces the system store
    proxies: dict[str, Setting] = field(default_factory=dict[str, Setting])
    """scheme ("https", "http", "all", "no") -> the variable that set it."""
    allow_http: bool = False  # BITRIX24_ALLOW_HTTP

    def route(self, url: str) -> Route:
        """Whether a request to `url` goes through a proxy, and which variable decided it."""
        parts = urlsplit(url)
        return self.route_to(parts.scheme, parts.hostname or "", parts.port)

    def route_to(self, scheme: str, host: str, port: int | None) -> Route:
        if is_loopback(host):
            return Route(why="loopback is never proxied")
        named = self.proxies.get(scheme) or self.proxies.get("all")
        if named is None:
            return Route()
        no_proxy = self.proxies.get("no")
        port = port or {"https": 443, "http": 80}.get(scheme)
        if no_proxy is not None and bypassed(no_proxy.value, host, port):
            return Route(variable=no_proxy.variable, why=f"{no_proxy.variable} names this host")
        return Route(proxy=named.value, variable=named.variable)

    def ssl_context(self, *, verify: bool = True) -> ssl.SSLContext:
        """The TLS context for the portal's connections (built on first use: it costs ~30 ms).

        `verify=False` is for `doctor`, which looks at a certificate it could not verify to
        say who issued it; no request with a secret is ever sent that way.
        """
        if not verify:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        if self.cert_file or self.cert_dir:  # OpenSSL's variables: instead of the system store
            context = ssl.create_default_context(cafile=self.cert_file, capath=self.cert_dir)
        else:
            import httpx2  # settings are read before anything needs the HTTP stack

            context = httpx2.create_ssl_context(trust_env=False)  # the system store
        if self.ca_bundle is not None:
            context.load_verify_locations(cafile=self.ca_bundle)
        return context

    @property
    def trust(self) -> str:
        """Which certificates are trusted, in words (for `doctor` and error messages)."""
        if self.cert_file or self.cert_dir:
            chosen = (("SSL_CERT_FILE", self.cert_file), ("SSL_CERT_DIR", self.cert_dir))
            base = " and ".join(f"{name} ({path})" for name, path in chosen if path)
        else:
            base = "the system's certificate store"
        if self.ca_bundle is not None:
            return f"{base} + BITRIX24_CA_BUNDLE ({self.ca_bundle})"
        return base


def bypassed(no_proxy: str, host: str, port: int | None) -> bool:
    """Whether a NO_PROXY value names `host` (and `port`), as curl matches it."""
    host = host.strip("[]").lower().rstrip(".")
    for entry in (part.strip().lower() for part in no_proxy.split(",")):
        if entry == "*":
            return True
        name, _, entry_port = entry.rpartition(":") if _has_port(entry) else (entry, "", "")
        if entry_port and str(port) != entry_port:
            continue
        name = name.strip("[]").removeprefix("*").lstrip(".").rstrip(".")
        if not name:
            continue
        if host == name or host.endswith(f".{name}") or _in_range(host, name):
            return True
    return False


def _has_port(entry: str) -> bool:
    """`host:port` or `[v6]:port`; a bare IPv6 address has colons but no port."""
    return (entry.startswith("[") and "]:" in entry) or entry.count(":") == 1


def _in_range(host: str, entry: str) -> bool:
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False


def read_network(env: Env) -> Network:
    """`Network` from the environment; a file or proxy that cannot work fails here.

    Raises:
        ConfigError: a missing or unreadable certificate file, a proxy URL that is not one.
    """
    ca_bundle = _pem_file(env, "BITRIX24_CA_BUNDLE")
    cert_file = _existing(env, "SSL_CERT_FILE", "file")
    cert_dir = _existing(env, "SSL_CERT_DIR", "folder")
    proxies: dict[str, Setting] = {}
    for lower in PROXY_VARIABLES:
        for name in (lower, lower.upper()):  # lower case first, as urllib and httpx2 read them
            if (value := env.text(name)) is not None:
                scheme = lower.removesuffix("_proxy")
                proxies[scheme] = Setting(
                    value if scheme == "no" else _proxy_url(value, name), name
                )
                break
    return Network(
        ca_bundle=ca_bundle,
        cert_file=cert_file,
        cert_dir=cert_dir,
        proxies=proxies,
        allow_http=env.flag("BITRIX24_ALLOW_HTTP"),
    )


def _existing(env: Env, name: str, kind: Literal["file", "folder"]) -> Path | None:
    text = env.text(name)
    if text is None:
        return None
    path = Path(text).expanduser()
    if not (path.is_file() if kind == "file" else path.is_dir()):
        raise ConfigError(f"{name} names a {kind} that does not exist: {path}")
    return path


def _pem_file(env: Env, name: str) -> Path | None:
    """A CA file, loaded once here so a wrong file is named at start-up, not at the first call."""
    path = _existing(env, name, "file")
    if path is None:
        return None
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=path)
    except (ssl.SSLError, OSError, ValueError):
        raise ConfigError(
            f"{name} must be a file of PEM certificates ('-----BEGIN CERTIFICATE-----'), "
            f"the CA's certificate the portal's is issued by; {path} is not one"
        ) from None
    return path


def _proxy_url(value: str, name: str) -> str:
    """The proxy URL as httpx2 takes it; credentials in it are registered as secrets."""
    url = value if "://" in value else f"http://{value}"  # as urllib and httpx2 read a bare host
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        raise ConfigError(
            f"{name} is not a valid proxy URL; it must look like http://proxy:3128"
        ) from None
    if parts.password:
        REDACTOR.add(parts.password)
    if parts.scheme not in ("http", "https"):
        raise ConfigError(
            f"{name} must be an http:// or https:// proxy (got scheme {parts.scheme!r})"
        )
    if not parts.hostname:
        raise ConfigError(f"{name} has no host name; it must look like http://proxy:3128")
    return url


def _display(url: str) -> str:
    """A proxy URL without its credentials."""
    parts: SplitResult = urlsplit(url)
    if not (parts.username or parts.password):
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"***@{host}").geturl()
