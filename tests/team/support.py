"""A team server and the sandbox portal on loopback, and people who sign in through real
MCP clients (the SDK's `OAuthClientProvider`), with a headless browser in between."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import AsyncGenerator, Generator, Mapping
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
import uvicorn
from cryptography.fernet import Fernet
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from pydantic import AnyUrl

from bitrix24_scrum_mcp.config import Limits, Settings
from bitrix24_scrum_mcp.http_app import HttpSettings, build_http_app
from bitrix24_scrum_mcp.sandbox import (
    DEMO_APP_CLIENT_ID,
    DEMO_APP_CLIENT_SECRET,
    FaultConfig,
    Portal,
    create_app,
)
from bitrix24_scrum_mcp.team.settings import TeamSettings
from tests.helpers import FAST
from tests.loopback import serving

CLIENT_REDIRECT = "http://127.0.0.1:1/callback"  # never served: the browser stops there
STATE_KEY = Fernet.generate_key().decode()


def bound_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    return sock


@contextmanager
def serve_on(sock: socket.socket, app: Any) -> Generator[None, None, None]:
    """Serve `app` (with its lifespan) on a socket bound beforehand, from a thread."""
    config = uvicorn.Config(app, log_level="critical", lifespan="on", log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass
class SignInServer:
    base: str
    portal: Portal
    portal_origin: str
    env: dict[str, str]

    @property
    def mcp_url(self) -> str:
        return f"{self.base}/mcp"


def sign_in_env(portal_origin: str, public_url: str, state: str, **extra: str) -> dict[str, str]:
    return {
        "BITRIX24_PORTAL_URL": portal_origin,
        "BITRIX24_CLIENT_ID": DEMO_APP_CLIENT_ID,
        "BITRIX24_CLIENT_SECRET": DEMO_APP_CLIENT_SECRET,
        "BITRIX24_OAUTH_SERVER": portal_origin,  # the sandbox plays the OAuth server too
        "MCP_PUBLIC_URL": public_url,
        "BITRIX24_STATE_URL": state,
        "BITRIX24_STATE_KEY": STATE_KEY,
        "BITRIX24_TOOLSETS": "all",  # the tests reach epic_* and sprint_get
        **extra,
    }


def team_app(env: Mapping[str, str], limits: Limits = FAST) -> Any:
    settings = replace(Settings.from_env(env), limits=limits)
    team = TeamSettings.from_env(env, settings)
    http = HttpSettings(per_person=team.per_person)
    return build_http_app(settings, http, team)


@contextmanager
def sandbox_portal(
    portal: Portal | None = None, faults: FaultConfig | None = None
) -> Generator[tuple[Portal, str], None, None]:
    portal = portal or Portal(seed=True)
    with serving(create_app(portal, faults=faults)) as port:
        yield portal, f"http://127.0.0.1:{port}"


@contextmanager
def sign_in_server(
    tmp_path: Path, portal: Portal, portal_origin: str, *, port: int = 0, **extra: str
) -> Generator[SignInServer, None, None]:
    """A team server whose people sign in at the sandbox; state in a file under tmp_path."""
    sock = bound_socket(port)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    state = extra.pop("BITRIX24_STATE_URL", f"file://{tmp_path}/state.sqlite3")
    env = sign_in_env(portal_origin, base, state, **extra)
    with serve_on(sock, team_app(env)):
        yield SignInServer(base, portal, portal_origin, env)


class MemoryStorage:
    """What an MCP client keeps between sessions: its registration and its tokens."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


@dataclass
class Browser:
    """A person's browser, headless: follows the redirects of a sign-in and, on the portal's
    sign-in page, picks `user_id` (or declines with `deny`)."""

    user_id: int
    deny: bool = False
    refuse_consent: bool = False
    sign_ins: int = 0
    consent_pages: list[str] = field(default_factory=list[str])
    hops: list[str] = field(default_factory=list[str])
    result: AuthorizationCodeResult | None = None

    async def redirect_handler(self, authorization_url: str) -> None:
        self.sign_ins += 1
        url = authorization_url
        async with httpx2.AsyncClient(timeout=10) as http:  # never the MCP client's own
            for _ in range(10):
                if url.startswith(CLIENT_REDIRECT):
                    query = parse_qs(urlsplit(url).query)
                    if "error" in query:
                        raise PermissionError(f"sign-in refused: {query['error'][0]}")
                    self.result = AuthorizationCodeResult(
                        code=query["code"][0], state=query.get("state", [None])[0]
                    )
                    return
                if urlsplit(url).path == "/oauth/authorize/":  # the portal's sign-in page
                    choice = {"deny": "1"} if self.deny else {"user_id": str(self.user_id)}
                    url += "&" + urlencode(choice)
                response = await http.get(url, follow_redirects=False)
                self.hops.append(f"{urlsplit(url).path} {response.status_code}")
                if urlsplit(url).path == "/oauth/consent" and response.status_code == 200:
                    response = await self.consent(http, url, response.text)
                if response.status_code not in (302, 303, 307):
                    raise RuntimeError(
                        f"sign-in stopped at {url}: {response.status_code} {response.text[:300]}"
                    )
                url = response.headers["location"]
        raise RuntimeError(f"too many redirects: {self.hops}")

    async def consent(self, http: httpx2.AsyncClient, url: str, page: str) -> httpx2.Response:
        """The person reads the consent page and clicks Allow (or Deny)."""
        self.consent_pages.append(page)
        fields = dict(re.findall(r'name="(state|token)" value="([^"]*)"', page))
        fields["decision"] = "deny" if self.refuse_consent else "allow"
        answer = await http.post(url.split("?", 1)[0], data=fields, follow_redirects=False)
        self.hops.append(f"/oauth/consent POST {answer.status_code}")
        return answer

    async def callback_handler(self) -> AuthorizationCodeResult:
        assert self.result is not None
        return self.result


@dataclass
class Person:
    """Someone with an assistant: one OAuth-capable MCP client, kept for the test's life."""

    server_url: str
    browser: Browser
    storage: MemoryStorage = field(default_factory=MemoryStorage)
    http: httpx2.AsyncClient | None = None

    def __post_init__(self) -> None:
        provider = OAuthClientProvider(
            server_url=self.server_url,
            client_metadata=OAuthClientMetadata(
                client_name=f"assistant of user {self.browser.user_id}",
                redirect_uris=[AnyUrl(CLIENT_REDIRECT)],
            ),
            storage=self.storage,
            redirect_handler=self.browser.redirect_handler,
            callback_handler=self.browser.callback_handler,
        )
        self.http = httpx2.AsyncClient(auth=provider, timeout=30)

    @asynccontextmanager
    async def session(self) -> AsyncGenerator[Client, None]:
        assert self.http is not None
        async with Client(streamable_http_client(self.server_url, http_client=self.http)) as client:
            yield client

    async def call(self, tool: str, arguments: dict[str, Any] | None = None) -> Any:
        async with self.session() as client:
            return await client.call_tool(tool, arguments or {})

    async def aclose(self) -> None:
        if self.http is not None:
            await self.http.aclose()


def tokens_toml(people: Mapping[str, tuple[str, str]]) -> str:
    """A tokens file: name -> (token, webhook URL)."""
    return "".join(
        f'[[person]]\nname = "{name}"\ntoken = "{token}"\nwebhook = "{webhook}"\n\n'
        for name, (token, webhook) in people.items()
    )


def write_private(path: Path, text: str) -> None:
    """Replace `path` at once with mode 0600, as an editor saving it would."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.chmod(0o600)
    tmp.replace(path)


@contextmanager
def tokens_server(
    tokens_file: Path, limits: Limits = FAST, **extra: str
) -> Generator[str, None, None]:
    """A team server whose people come from `tokens_file`; yields its /mcp URL."""
    env = {"MCP_HTTP_TOKENS_FILE": str(tokens_file), "BITRIX24_TOOLSETS": "all", **extra}
    sock = bound_socket()
    with serve_on(sock, team_app(env, limits)):
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"


@asynccontextmanager
async def bearer_session(url: str, token: str) -> AsyncGenerator[Client, None]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


def balancer(backends: list[str]) -> Any:
    """A round-robin load balancer: each request goes to the next backend, as is."""
    from itertools import cycle

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    turn = cycle(backends)
    http = httpx2.AsyncClient(timeout=60)

    async def forward(request: Request) -> Response:
        target = (
            next(turn) + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        )
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")
        }
        answer = await http.request(
            request.method, target, headers=headers, content=await request.body()
        )
        drop = ("content-length", "transfer-encoding", "content-encoding", "connection")
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in drop}
        return Response(answer.content, status_code=answer.status_code, headers=kept)

    return Starlette(
        routes=[Route("/{path:path}", forward, methods=["GET", "POST", "DELETE", "OPTIONS"])]
    )


@contextmanager
def replicated_sign_in(
    portal_origin: str, state_url: str, replicas: int = 2
) -> Generator[tuple[str, list[str]], None, None]:
    """`replicas` team servers behind one balancer, all with the balancer's public URL.

    Yields (the balancer's /mcp URL, each replica's base URL)."""
    front = bound_socket()
    public = f"http://127.0.0.1:{front.getsockname()[1]}"
    env = sign_in_env(portal_origin, public, state_url)
    sockets = [bound_socket() for _ in range(replicas)]
    bases = [f"http://127.0.0.1:{s.getsockname()[1]}" for s in sockets]
    with ExitStack() as stack:
        for sock in sockets:
            stack.enter_context(serve_on(sock, team_app(env)))
        stack.enter_context(serve_on(front, balancer(bases)))
        yield f"{public}/mcp", bases
