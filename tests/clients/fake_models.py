"""Scripted stand-ins for model APIs on loopback: no model is ever called.

Agent frameworks run their tool loop only against a model. This server answers as the
OpenAI Chat Completions and Responses APIs and the Gemini API do: each request takes the
next scripted turn (a list of tool calls), and once the script is used up it answers with
text. Every request body is kept, so a test reads exactly what a model would have been
sent: the tool definitions after the library's conversion, and each tool result.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.loopback import serving

ToolCalls = list[tuple[str, dict[str, Any]]]
FINAL_TEXT = "Done."


@dataclass
class FakeModels:
    port: int = 0
    script: list[ToolCalls] = field(default_factory=list[ToolCalls])
    requests: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])

    @property
    def openai_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def gemini_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The standard variables that point the OpenAI and Gemini SDKs here."""
        return {
            "OPENAI_BASE_URL": self.openai_base_url,
            "OPENAI_API_KEY": "sk-fake",
            "GOOGLE_GEMINI_BASE_URL": self.gemini_base_url,
            "GEMINI_API_KEY": "fake",
        }

    def next_turn(self) -> ToolCalls:
        return self.script.pop(0) if self.script else []


def _chat(turn: ToolCalls) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None if turn else FINAL_TEXT}
    if turn:
        message["tool_calls"] = [
            {"id": f"call_{i}", "type": "function",
             "function": {"name": name, "arguments": json.dumps(args)}}
            for i, (name, args) in enumerate(turn)
        ]  # fmt: skip
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": "fake",
        "choices": [{"index": 0, "message": message,
                     "finish_reason": "tool_calls" if turn else "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }  # fmt: skip


def _responses(turn: ToolCalls) -> dict[str, Any]:
    output: list[dict[str, Any]] = [
        {"type": "function_call", "id": f"fc_{i}", "call_id": f"call_{i}", "name": name,
         "arguments": json.dumps(args), "status": "completed"}
        for i, (name, args) in enumerate(turn)
    ] or [
        {"type": "message", "id": "msg_fake", "role": "assistant", "status": "completed",
         "content": [{"type": "output_text", "text": FINAL_TEXT, "annotations": []}]}
    ]  # fmt: skip
    return {
        "id": "resp_fake", "object": "response", "created_at": 0, "model": "fake",
        "status": "completed", "output": output, "parallel_tool_calls": True,
        "tool_choice": "auto", "tools": [], "error": None, "incomplete_details": None,
        "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
                  "input_tokens_details": {"cached_tokens": 0},
                  "output_tokens_details": {"reasoning_tokens": 0}},
    }  # fmt: skip


def _gemini(turn: ToolCalls) -> dict[str, Any]:
    parts = [{"functionCall": {"name": n, "args": a}} for n, a in turn] or [{"text": FINAL_TEXT}]
    return {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}]}


def _app(fake: FakeModels) -> Starlette:
    def route(path: str, shape: Any) -> Route:
        async def endpoint(request: Request) -> JSONResponse:
            fake.requests.append({"path": request.url.path, "body": await request.json()})
            return JSONResponse(shape(fake.next_turn()))

        return Route(path, endpoint, methods=["POST"])

    return Starlette(
        routes=[
            route("/v1/chat/completions", _chat),
            route("/v1/responses", _responses),
            route("/{version}/models/{model}:generateContent", _gemini),
        ]
    )


@contextmanager
def fake_models() -> Generator[FakeModels, None, None]:
    fake = FakeModels()
    with serving(_app(fake)) as port:
        fake.port = port
        yield fake
