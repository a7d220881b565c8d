"""Tokens: the size of `tools/list` as a client receives it, in o200k_base tokens.

    python bench/tokens.py            # table for all tools, --read-only and one toolset
    python bench/tokens.py --json     # the same as JSON

Offline: tiktoken would download o200k_base on first use, so its cache is seeded from the
copy the `bpe-openai` wheel ships (same file, checked against tiktoken's own sha256).

Counted per tool: the whole tool object as it travels in `tools/list` (compact JSON, as
the SDK writes it), and its parts: description, inputSchema, outputSchema, the rest
(name, title, annotations). "LLM view" = name + description + inputSchema, which is what
most clients forward to the model (outputSchema and annotations usually stay client-side).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from common import DUMMY_WEBHOOK, ROOT, dump

O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
CACHE_DIR = ROOT / ".bench-cache" / "tiktoken"
VARIANTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("all tools", {}),
    ("--read-only", {"read_only": True}),
    ("--toolsets sprint", {"toolsets": ["sprint"]}),
)


def encoder() -> Any:
    """tiktoken's o200k_base, loaded without network from bpe-openai's bundled file."""
    import bpe_openai
    import tiktoken
    import tiktoken.load

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


async def _listed_tools(toolsets: list[str] | None, read_only: bool) -> list[dict[str, Any]]:
    """tools/list through an in-process MCP client, as JSON objects on the wire."""
    from mcp import Client

    from bitrix24_scrum_mcp.app import create_server
    from bitrix24_scrum_mcp.client import Bitrix24Client
    from bitrix24_scrum_mcp.config import Webhook
    from bitrix24_scrum_mcp.tools import select

    client = Bitrix24Client(Webhook.parse(DUMMY_WEBHOOK))  # never called
    try:
        server = create_server(client, select(toolsets, read_only=read_only))
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


def measure_tools(enc: Any, tools: list[dict[str, Any]]) -> dict[str, Any]:
    rows = []
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
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    for prop, sub in value.items():
                        text = _compact({prop: sub})
                        counts.setdefault(f"{where}.properties.{prop}", []).append(
                            len(enc.encode(text))
                        )
                        walk(sub, where)
                else:
                    walk(value, where)
        elif isinstance(node, list):
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


def _strip(node: Any, test: Any) -> Any:
    """A deep copy of `node` without the dict members for which test(key, value) is true."""
    if isinstance(node, dict):
        return {k: _strip(v, test) for k, v in node.items() if not test(k, v)}
    if isinstance(node, list):
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


# Measured what-ifs: each transform applied alone to the full list, tokens saved.
WHAT_IFS: tuple[tuple[str, Any], ...] = (
    ("drop outputSchema entirely", lambda t: {k: v for k, v in t.items() if k != "outputSchema"}),
    (
        "drop int32 bounds (maximum 2147483647)",
        lambda t: _strip(t, lambda k, v: k == "maximum" and v == 2147483647),
    ),
    (
        "drop exclusiveMinimum 0 on ids",
        lambda t: _strip(t, lambda k, v: k == "exclusiveMinimum" and v == 0),
    ),
    (
        "drop date regex patterns (keep the description)",
        lambda t: _strip(t, lambda k, v: k == "pattern" and isinstance(v, str) and "\\d{4}" in v),
    ),
    ("drop all pattern keywords", lambda t: _strip(t, lambda k, v: k == "pattern")),
    ("drop maxLength/maxItems", lambda t: _strip(t, lambda k, v: k in ("maxLength", "maxItems"))),
    ("drop annotations.title (same as title)", _no_annotation_title),
    ("drop annotation hints equal to the spec defaults", _no_default_hints),
    ("drop title", lambda t: {k: v for k, v in t.items() if k != "title"}),
    (
        "outputSchema: anyOf [integer, string] -> no type",
        lambda t: _strip(
            t, lambda k, v: k == "anyOf" and v == [{"type": "integer"}, {"type": "string"}]
        ),
    ),
    (
        "publish no validation-only keywords (pattern, exclusiveMinimum, maximum, maxLength, "
        "maxItems, minLength); pydantic still enforces them",
        lambda t: _strip(
            t,
            lambda k, v: (
                k
                in ("pattern", "exclusiveMinimum", "maximum", "maxLength", "maxItems", "minLength")
                and not isinstance(v, dict)
            ),
        ),
    ),
)


def what_ifs(enc: Any, tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    base = _count(enc, {"tools": tools})
    rows = []
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
            }
        )
    rows.sort(key=lambda r: r["saves"], reverse=True)
    return rows


def run(quick: bool = False) -> dict[str, Any]:
    import anyio

    enc = encoder()
    out: dict[str, Any] = {"encoding": "o200k_base (tiktoken, seeded from bpe-openai)"}
    variants = {}
    all_tools: list[dict[str, Any]] = []
    for label, options in VARIANTS:
        tools = anyio.run(_listed_tools, options.get("toolsets"), options.get("read_only", False))
        if not options:
            all_tools = tools
        variants[label] = measure_tools(enc, tools)
    out["variants"] = variants
    out["hotspots"] = _hotspots(enc, all_tools)
    out["what_ifs"] = what_ifs(enc, all_tools)
    return out


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
    args = parser.parse_args()
    result = run()
    if args.json:
        print(dump(result))
    else:
        _print_table(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
