"""Tokens: the size of `tools/list` as a client receives it, in o200k_base tokens.

    python bench/tokens.py            # table for all tools, --read-only and one toolset
    python bench/tokens.py --json     # the same as JSON
    python bench/tokens.py --candidate ../other-checkout   # and that checkout's, side by side

Offline: tiktoken would download o200k_base on first use, so its cache is seeded from the
copy the `bpe-openai` wheel ships (same file, checked against tiktoken's own sha256).

Counted per tool: the whole tool object as it travels in `tools/list` (compact JSON, as
the SDK writes it), and its parts: description, inputSchema, outputSchema, the rest
(name, title, annotations). "LLM view" = name + description + inputSchema, which is what
most clients forward to the model (outputSchema and annotations usually stay client-side).
It is counted twice: as compact JSON, and as `json.dumps` with its default separators
(`", "`, `": "`), which is how Python agent frameworks serialize tool definitions and the
measure of the token goal (issue 13: at most 8,000 for every tool). `--candidate` measures
another checkout's tools/list (through its own venv's console script) the same way, so a
schema change reports its before and after from one run.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import DUMMY_WEBHOOK, ROOT, candidate_server, dump, server_env, stdio_session

from bitrix24_scrum_mcp.json_types import is_array, is_object

O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
CACHE_DIR = ROOT / ".bench-cache" / "tiktoken"
VARIANTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("default", {}),
    ("all tools", {"toolsets": ["all"]}),
    ("--read-only", {"read_only": True}),
    ("all --read-only", {"toolsets": ["all"], "read_only": True}),
    ("--dynamic-toolsets, at start", {"dynamic": True}),
    ("--toolsets sprint", {"toolsets": ["sprint"]}),
)
"""The profiles of issue 18 (default, all, read-only, dynamic at start) and two more."""

ONE_TO_ONE = "one-to-one tools"
"""Every tool but the workbench: the set issue 13's budget (8,000 tokens) was set for."""

PROFILE_GOALS = {"default": (25, 4000), "--dynamic-toolsets, at start": (None, 1500)}
"""(at most this many tools, at most this many LLM-view tokens) per profile."""

NAME_GOAL = 60
"""Cursor's limit for server plus tool name: `mcp__<server>__<tool>`, a 3-letter server."""


def encoder() -> Any:
    """tiktoken's o200k_base, loaded without network from bpe-openai's bundled file."""
    import bpe_openai  # pyright: ignore[reportMissingTypeStubs]  (a Rust extension; we read its __file__)
    import tiktoken

    cache_key = hashlib.sha1(O200K_URL.encode()).hexdigest()  # tiktoken's cache file name
    target = CACHE_DIR / cache_key
    if not target.exists():
        source = Path(bpe_openai.__file__).parent / "data" / "o200k_base.tiktoken.gz"
        data = gzip.decompress(source.read_bytes())
        if hashlib.sha256(data).hexdigest() != O200K_SHA256:
            raise RuntimeError(f"{source} is not tiktoken's o200k_base (sha256 differs)")
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(CACHE_DIR)
    enc = tiktoken.get_encoding("o200k_base")
    # Known answer (o200k_base): "hello world" -> [24912, 2375].
    if enc.encode("hello world") != [24912, 2375]:
        raise RuntimeError("o200k_base gives unexpected tokens for 'hello world'")
    return enc


async def _listed_tools(
    toolsets: list[str] | None, read_only: bool, dynamic: bool = False
) -> list[dict[str, Any]]:
    """tools/list through an in-process MCP client, as JSON objects on the wire."""
    from mcp import Client

    from bitrix24_scrum_mcp.app import create_server
    from bitrix24_scrum_mcp.client import Bitrix24Client
    from bitrix24_scrum_mcp.config import Settings, Webhook

    client = Bitrix24Client(Webhook.parse(DUMMY_WEBHOOK))  # never called
    settings = Settings(
        portal=Webhook.parse(DUMMY_WEBHOOK),
        toolsets=frozenset(toolsets) if toolsets else None,
        read_only=read_only,
        dynamic_toolsets=dynamic,
    )
    try:
        server = create_server(client, settings.tools(), reserve=settings.reserve())
        async with Client(server) as session:
            listing = await session.list_tools()
    finally:
        await client.aclose()
    return [
        json.loads(tool.model_dump_json(by_alias=True, exclude_none=True)) for tool in listing.tools
    ]


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _count(enc: Any, value: Any) -> int:
    return len(enc.encode(value if isinstance(value, str) else _compact(value)))


async def _candidate_tools(checkout: Path) -> list[dict[str, Any]]:
    """tools/list of another checkout's server, its default tools, over stdio (2025-11-25)."""
    server = candidate_server(checkout)
    # a checkout from before the profiles offered every tool by default and knows no `all`
    env = server_env(every_tool=checkout == ROOT, BITRIX24_WEBHOOK_URL=DUMMY_WEBHOOK)
    async with stdio_session(server, env, cwd=checkout) as peer:
        listing = await peer.request("tools/list")
    return listing["tools"]


def llm_view_default(enc: Any, tool: dict[str, Any]) -> int:
    """name + description + inputSchema as `json.dumps` writes them by default."""
    view = {k: tool[k] for k in ("name", "description", "inputSchema") if k in tool}
    return len(enc.encode(json.dumps(view)))


def measure_tools(enc: Any, tools: list[dict[str, Any]]) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for tool in tools:
        rest = {
            k: v for k, v in tool.items() if k not in ("description", "inputSchema", "outputSchema")
        }
        llm_view = {k: tool[k] for k in ("name", "description", "inputSchema") if k in tool}
        rows.append(
            {
                "name": tool["name"],
                "total": _count(enc, tool),
                "llm_view": _count(enc, llm_view),
                "llm_view_default": llm_view_default(enc, tool),
                "description": _count(enc, tool.get("description", "")),
                "input_schema": _count(enc, tool.get("inputSchema", {})),
                "output_schema": _count(enc, tool.get("outputSchema", {})),
                "other": _count(enc, rest),
                "bytes": len(_compact(tool).encode()),
            }
        )
    rows.sort(key=lambda r: r["total"], reverse=True)
    listing = {"tools": tools}
    n = len(rows) or 1
    return {
        "tools": len(rows),
        "list_total": _count(enc, listing),
        "list_bytes": len(_compact(listing).encode()),
        "sum_total": sum(r["total"] for r in rows),
        "mean_total": round(sum(r["total"] for r in rows) / n, 1),
        "sum_llm_view": sum(r["llm_view"] for r in rows),
        "sum_llm_view_default": sum(r["llm_view_default"] for r in rows),
        "mean_llm_view": round(sum(r["llm_view"] for r in rows) / n, 1),
        "parts": {
            part: sum(r[part] for r in rows)
            for part in ("description", "input_schema", "output_schema", "other")
        },
        "per_tool": rows,
    }


def _hotspots(enc: Any, tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Repeated schema fragments and keywords, ranked by the tokens they cost in total."""
    counts: dict[str, list[int]] = {}

    def walk(node: Any, where: str) -> None:
        if is_object(node):
            for key, value in node.items():
                if key == "properties" and is_object(value):
                    for prop, sub in value.items():
                        text = _compact({prop: sub})
                        counts.setdefault(f"{where}.properties.{prop}", []).append(
                            len(enc.encode(text))
                        )
                        walk(sub, where)
                else:
                    walk(value, where)
        elif is_array(node):
            for item in node:
                walk(item, where)

    for tool in tools:
        walk(tool.get("inputSchema", {}), "inputSchema")
        walk(tool.get("outputSchema", {}), "outputSchema")
    ranked = [
        {"fragment": key, "occurrences": len(v), "tokens": sum(v)} for key, v in counts.items()
    ]
    ranked.sort(key=lambda r: r["tokens"], reverse=True)
    return ranked[:15]


def _strip(node: Any, test: Callable[[str, Any], bool]) -> Any:
    """A deep copy of `node` without the dict members for which test(key, value) is true."""
    if is_object(node):
        return {k: _strip(v, test) for k, v in node.items() if not test(k, v)}
    if is_array(node):
        return [_strip(v, test) for v in node]
    return node


def _no_annotation_title(tool: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(tool))
    out.get("annotations", {}).pop("title", None)
    return out


def _no_default_hints(tool: dict[str, Any]) -> dict[str, Any]:
    """Drop hints whose value equals what the spec says a client assumes anyway."""
    out = json.loads(json.dumps(tool))
    notes = out.get("annotations", {})
    if notes.get("openWorldHint") is True:
        del notes["openWorldHint"]
    if notes.get("readOnlyHint") is True:  # the others are ignored for read-only tools
        for key in ("destructiveHint", "idempotentHint"):
            notes.pop(key, None)
    if notes.get("readOnlyHint") is False:
        del notes["readOnlyHint"]
    return out


def _undeclared_maps(tool: dict[str, Any]) -> dict[str, Any]:
    """filter/order as open maps again (what strict converters turn into `{}`)."""
    out = json.loads(json.dumps(tool))
    for name, prop in out.get("inputSchema", {}).get("properties", {}).items():
        if name.lower() in ("filter", "order") and "anyOf" in prop:
            prop["anyOf"][0].pop("properties", None)
    return out


# Measured what-ifs: each transform applied alone to the full list, tokens saved.
WHAT_IFS: tuple[tuple[str, Callable[[dict[str, Any]], dict[str, Any]]], ...] = (
    ("drop outputSchema entirely", lambda t: {k: v for k, v in t.items() if k != "outputSchema"}),
    ("drop minimum 1 on ids", lambda t: _strip(t, lambda k, v: k == "minimum" and v == 1)),
    ("drop all pattern keywords", lambda t: _strip(t, lambda k, v: k == "pattern")),
    (
        "declare no filter/order keys (strict clients could then filter by nothing)",
        _undeclared_maps,
    ),
    ("drop annotations.title (same as title)", _no_annotation_title),
    ("drop annotation hints equal to the spec defaults", _no_default_hints),
    ("drop title", lambda t: {k: v for k, v in t.items() if k != "title"}),
    (
        "outputSchema: anyOf [integer, string] -> no type",
        lambda t: _strip(
            t, lambda k, v: k == "anyOf" and v == [{"type": "integer"}, {"type": "string"}]
        ),
    ),
)


def what_ifs(enc: Any, tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    base = _count(enc, {"tools": tools})
    rows: list[dict[str, Any]] = []
    for label, transform in WHAT_IFS:
        changed = [transform(t) for t in tools]
        after = _count(enc, {"tools": changed})
        llm_after = sum(
            _count(enc, {k: t[k] for k in ("name", "description", "inputSchema") if k in t})
            for t in changed
        )
        rows.append(
            {
                "change": label,
                "saves": base - after,
                "saves_pct": round(100 * (base - after) / base, 1),
                "llm_view_after": llm_after,
                "llm_view_default_after": sum(llm_view_default(enc, t) for t in changed),
            }
        )
    rows.sort(key=lambda r: r["saves"], reverse=True)
    return rows


def run(quick: bool = False, candidate: Path | None = None) -> dict[str, Any]:
    import anyio

    enc = encoder()
    out: dict[str, Any] = {"encoding": "o200k_base (tiktoken, seeded from bpe-openai)"}
    variants: dict[str, dict[str, Any]] = {}
    all_tools: list[dict[str, Any]] = []
    from bitrix24_scrum_mcp.tools import TOOLSETS

    one_to_one: dict[str, Any] = {"toolsets": [name for name in TOOLSETS if name != "workflow"]}
    for label, options in (*VARIANTS, (ONE_TO_ONE, one_to_one)):
        tools = anyio.run(
            _listed_tools,
            options.get("toolsets"),
            options.get("read_only", False),
            options.get("dynamic", False),
        )
        if label == "all tools":
            all_tools = tools
        variants[label] = measure_tools(enc, tools)
    out["variants"] = variants
    out["profiles"] = profiles(variants)
    out["hotspots"] = _hotspots(enc, all_tools)
    out["what_ifs"] = what_ifs(enc, all_tools)
    if candidate is not None:  # both over stdio, so key order and all are alike
        out["side_by_side"] = {
            "before": {
                "commit": _commit(candidate),
                "all tools": measure_tools(enc, anyio.run(_candidate_tools, candidate)),
            },
            "after": {
                "commit": _commit(ROOT),
                "all tools": measure_tools(enc, anyio.run(_candidate_tools, ROOT)),
            },
        }
    return out


def profiles(variants: dict[str, Any]) -> dict[str, Any]:
    """Issue 18's goals: tools and LLM-view tokens per profile, the longest prefixed name."""
    longest = max((t["name"] for t in variants["all tools"]["per_tool"]), key=len)
    prefixed = f"mcp__b24__{longest}"
    rows: dict[str, Any] = {}
    for label, (most_tools, most_tokens) in PROFILE_GOALS.items():
        v = variants[label]
        rows[label] = {
            "tools": v["tools"],
            "tokens": v["sum_llm_view_default"],
            "goal_tools": most_tools,
            "goal_tokens": most_tokens,
            "met": (most_tools is None or v["tools"] <= most_tools)
            and v["sum_llm_view_default"] <= most_tokens,
        }
    return {
        "goals": rows,
        "longest_name": prefixed,
        "longest_name_chars": len(prefixed),
        "name_goal_met": len(prefixed) <= NAME_GOAL,
        "all_goals_met": all(r["met"] for r in rows.values()) and len(prefixed) <= NAME_GOAL,
    }


def _commit(checkout: Path) -> str:
    import subprocess

    done = subprocess.run(
        ["git", "-C", str(checkout), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()


def _print_table(result: dict[str, Any]) -> None:
    for label, data in result["variants"].items():
        print(
            f"\n{label}: {data['tools']} tools, tools/list = {data['list_total']} tokens "
            f"({data['list_bytes']} bytes), mean {data['mean_total']}/tool; "
            f"LLM view mean {data['mean_llm_view']}/tool"
        )
        if label != "all tools":
            continue
        print(f"{'tool':28} {'total':>6} {'llm':>5} {'descr':>6} {'input':>6} {'output':>6}")
        for r in data["per_tool"]:
            print(
                f"{r['name']:28} {r['total']:6} {r['llm_view']:5} {r['description']:6} "
                f"{r['input_schema']:6} {r['output_schema']:6}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--candidate", type=Path, help="another checkout of the repo to measure side by side"
    )
    args = parser.parse_args()
    result = run(candidate=args.candidate)
    if args.json:
        print(dump(result))
    else:
        _print_table(result)
    return 0 if result["profiles"]["all_goals_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
