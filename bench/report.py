"""Render results JSON (from bench/run.py) as RESULTS.md.

python bench/report.py bench/results.json > bench/RESULTS.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, cast

EXPERIMENTS = Path(__file__).resolve().parent / "experiments.md"
OVERHEAD_GOAL_MS = 2.0
"""issue 11: under 2 ms added per call at p50 (older results.json files say 1 ms)."""


def _ok(met: bool | None) -> str:
    return "—" if met is None else ("**met**" if met else "**missed**")


def _fmt(value: Any, digits: int = 2) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_fmt(c) for c in row) + " |" for row in rows]
    return out


def _failed(section: dict[str, Any] | None) -> list[str] | None:
    if section is None:
        return ["Not run."]
    if "error" in section:
        return ["This benchmark failed:", "", "```", section["error"].rstrip(), "```"]
    return None


def _summary(r: dict[str, Any]) -> list[str]:
    rows: list[list[Any]] = []
    cs: dict[str, Any] = r.get("coldstart") or {}
    if "ratio_p50" in cs:
        rows.append(
            [
                "1. Cold start, ours / MCPServer baseline (p50)",
                "≤ 1.3x",
                f"{cs['ratio_p50']:.2f}x",
                _ok(cs["met"]),
            ]
        )
    oh: dict[str, Any] = r.get("overhead") or {}
    if "added_ms" in oh:
        rows.append(
            [
                "2. Added per call over stdio vs direct httpx2 (p50)",
                f"< {OVERHEAD_GOAL_MS:g} ms",
                f"{oh['added_ms']['p50']:.2f} ms",
                _ok(oh["added_ms"]["p50"] < OVERHEAD_GOAL_MS),
            ]
        )
    tp: dict[str, Any] = r.get("throughput") or {}
    if "stdio" in tp:
        conc = f"concurrent_{tp['concurrency']}"
        rows.append(
            [
                "3. Throughput stdio / HTTP, sequential (calls/s)",
                "—",
                f"{tp['stdio']['sequential']['per_s']:.0f} / "
                f"{tp['http']['sequential']['per_s']:.0f}",
                "—",
            ]
        )
        rows.append(
            [
                f"3. Throughput stdio / HTTP, {tp['concurrency']} in flight (calls/s)",
                "—",
                f"{tp['stdio'][conc]['per_s']:.0f} / {tp['http'][conc]['per_s']:.0f}",
                "—",
            ]
        )
    rl: dict[str, Any] = r.get("ratelimit") or {}
    for sc in rl.get("scenarios", []):
        if sc.get("client_pacing") == "off":
            continue
        bulk = sc.get("bulk")
        if bulk:
            rows.append(
                [
                    f"4. Bulk tool at {sc['rate']}: % of ceiling "
                    f"({sc['ceiling_ops_per_s']:g} ops/s)",
                    "≥ 90 %",
                    f"{bulk['pct_of_ceiling']:.1f} %",
                    _ok(bulk["pct_of_ceiling"] >= rl.get("goal_pct_bulk", 90)),
                ]
            )
        errors = sum(
            cast("dict[str, Any]", sc.get(m) or {}).get("rate_limit_errors_surfaced", 0)
            for m in ("per_call", "bulk")
        )
        rows.append(
            [
                f"4. Rate-limit errors surfaced at {sc['rate']} (a + b)",
                "0",
                errors,
                _ok(errors == 0),
            ]
        )
    tk: dict[str, Any] = r.get("tokens") or {}
    if "variants" in tk:
        a = tk["variants"]["all tools"]
        rows.append(
            [
                "5. tools/list tokens, all tools (mean per tool)",
                "~200/tool (sibling issue)",
                f"{a['list_total']} ({a['mean_total']:.0f}/tool; LLM view "
                f"{a['mean_llm_view']:.0f}/tool)",
                "see §5",
            ]
        )
        one = tk["variants"].get("one-to-one tools", a)
        view = one.get("sum_llm_view_default")
        if view is not None:
            shown = f"{view:,} ({one['tools']} tools; all {a['tools']} with the workbench: "
            shown += f"{a['sum_llm_view_default']:,})"
            side = tk.get("side_by_side")
            if side:
                b, f = (side[k]["all tools"]["sum_llm_view_default"] for k in ("before", "after"))
                shown += f" (all, side by side over stdio: {b:,} before, {f:,} after)"
            rows.append(
                [
                    "5. What assistants give the model, the one-to-one tools, issue 13's set "
                    "(name + description + inputSchema, `json.dumps` default separators)",
                    f"≤ {LLM_VIEW_GOAL:,}",
                    shown,
                    _ok(view <= LLM_VIEW_GOAL),
                ]
            )
        profiles = tk.get("profiles")
        if profiles:
            for label, goal in profiles["goals"].items():
                most = f"≤ {goal['goal_tools']} tools, " if goal["goal_tools"] else ""
                rows.append(
                    [
                        f"5. Profile {label}: tools, LLM-view tokens (issue 18)",
                        f"{most}≤ {goal['goal_tokens']:,} tokens",
                        f"{goal['tools']} tools, {goal['tokens']:,} tokens",
                        _ok(goal["met"]),
                    ]
                )
    mem: dict[str, Any] = (tp.get("memory") or {}) if tp else {}
    if mem:
        rows.append(
            [
                "6. Peak RSS after start-up / after calls",
                "—",
                f"{mem['ours_after_startup']['peak_rss_kib'] / 1024:.1f} / "
                f"{mem['ours_after_calls']['peak_rss_kib'] / 1024:.1f} MiB",
                "—",
            ]
        )
    rows += _load_summary(r.get("load") or {})
    rp: dict[str, Any] = r.get("replicas") or {}
    if "redis" in rp:
        shared: dict[str, Any] = rp["redis"]
        alone: dict[str, Any] = rp.get("local") or {}
        rows.append(
            [
                f"8. {shared['replicas']} replicas with Redis: writes/s (steady) vs ceiling",
                f"≤ {shared['portal_ceiling_per_s']:g}/s",
                f"{shared['steady_writes_per_s']:.2f}/s"
                + (f" (without Redis {alone['steady_writes_per_s']:.2f}/s)" if alone else ""),
                "—",
            ]
        )
        rows.append(
            [
                "8. Limit errors reaching callers / portal refusals, with Redis",
                "0 / near 0",
                f"{shared['limit_errors_to_callers']} / {shared['portal_refusals']}"
                + (
                    f" (without Redis {alone['limit_errors_to_callers']} / "
                    f"{alone['portal_refusals']})"
                    if alone
                    else ""
                ),
                _ok(shared["limit_errors_to_callers"] == 0 and shared["portal_refusals"] <= 2),
            ]
        )
        faults = rp.get("faults")
        if faults:
            rows.append(
                [
                    "8. Replica and Redis killed mid-run: writes lost / doubled",
                    "0 / 0",
                    f"{faults['lost_writes']} / {faults['doubled_writes']}",
                    _ok(faults["lost_writes"] == 0 and faults["doubled_writes"] == 0),
                ]
            )
    jb: dict[str, Any] = r.get("jobs") or {}
    if "jobs" in jb:
        worst = max(j["token_ratio"] for j in jb["jobs"])
        most_calls = max(j["workbench"]["calls"] for j in jb["jobs"])
        rows.append(
            [
                "9. Jobs with the workbench: calls; result tokens vs one-to-one (worst job)",
                "≤ 2; ≤ 0.5x",
                f"{most_calls}; {worst:.2f}x",
                _ok(jb["all_goals_met"]),
            ]
        )
    return _table(["Figure", "Goal", "Measured", "Status"], rows)


def _load_summary(ld: dict[str, Any]) -> list[list[Any]]:
    if "abandoned" not in ld:
        return []
    ab, sl, lg, met = ld["abandoned"], ld["slow"], ld["large"], ld["met"]
    return [
        [
            "7. Calls sent after their clients left",
            "0",
            ab["sent_after_clients_left"],
            _ok(met["sent_after_clients_left"]),
        ],
        [
            "7. Fresh call during a burst of abandoned calls",
            "< 2 s",
            f"{ab['fresh_call_during_burst_s']:.2f} s",
            _ok(met["fresh_call_during_burst"]),
        ],
        [
            f"7. `user_current` at t={ab['late_call_at_s']:g} s after "
            f"{ab['calls']} abandoned calls",
            "< 2 s (was 71.3 s)",
            f"{ab['late_call_latency_s']:.2f} s",
            _ok(met["late_call"]),
        ],
        [
            f"7. Slow clients closed within the header timeout ({sl['header_timeout_s']:g} s)",
            f"{sl['connections']} of {sl['connections']}",
            f"{sl['closed']} (longest held {sl['held_max_s']} s)",
            _ok(met["slow_clients_closed"]),
        ],
        [
            "7. Event-loop steps over 100 ms during a maximal answer",
            "none",
            ", ".join(f"{ms:.0f} ms" for ms in lg["loop_callbacks_over_100ms"]) or "none",
            _ok(met["stall"]),
        ],
        [
            "7. Longest `tools/list` ping during it, less the idle p50",
            "—",
            f"{lg['stall_ms']} ms",
            "—",
        ],
        [
            "7. Peak RSS with a 60,000-item answer",
            "< 150 MB",
            f"{lg['peak_rss_mib']} MiB",
            _ok(met["peak_rss"]),
        ],
        [
            "7. Largest tool result",
            f"≤ {lg['max_result_bytes']} bytes",
            f"{lg['result_bytes']} bytes",
            _ok(met["result_bytes"]),
        ],
    ]


def _load(ld: dict[str, Any]) -> list[str]:
    ab, sl, lg = ld["abandoned"], ld["slow"], ld["large"]
    out = [
        "Loopback only: a recording stand-in portal in the benchmark's process, our server in "
        "its own (`serve`). See `bench/load.py` for the scenarios.",
        "",
        f"**Abandoned calls** (issue 17.1, issue 12 §3), over HTTP with "
        f"`BITRIX24_TIMEOUT_TOTAL={ab['total_timeout_s']}` and "
        f"`BITRIX24_RATE_LIMIT={ab['rate_limit']}`: {ab['calls']} concurrent `sprint_get` "
        f"whose clients gave up after {ab['clients_gave_up_after_s']:g} s.",
        "",
    ]
    out += _table(
        ["figure", "value"],
        [
            ["burst calls that reached the portal", ab["burst_calls_sent"]],
            ["of them after their clients had left", ab["sent_after_clients_left"]],
            ["`user_current` from another client at t=1 s", f"{ab['fresh_call_during_burst_s']} s"],
            [
                f"`user_current` at t={ab['late_call_at_s']:g} s",
                f"{ab['late_call_latency_s']} s (before: {ab['before_late_call_latency_s']} s)",
            ],
        ],
    )
    out += [
        "",
        f"**Slow clients** (issue 17.2): {sl['connections']} connections that never finish "
        f"their headers, `MCP_HTTP_HEADER_TIMEOUT={sl['header_timeout_s']:g}`. Before: "
        f"{sl['before']}.",
        "",
    ]
    out += _table(
        ["figure", "value"],
        [
            ["closed by the server", sl["closed"]],
            ["held, median / longest", f"{sl['held_median_s']} s / {sl['held_max_s']} s"],
            ["a real client's tools/list meanwhile", f"{sl['tools_list_meanwhile_s']} s"],
        ],
    )
    out += [
        "",
        f"**A maximal answer** (issue 17.3): `sprint_list` answered with {lg['items']:,} items "
        f"({lg['answer_bytes'] / 1e6:.1f} MB) over stdio, `tools/list` pings every 10 ms "
        f"meanwhile. Before: {lg['before']}.",
        "",
    ]
    out += _table(
        ["figure", "value"],
        [
            ["tool call", f"{lg['seconds']} s"],
            [
                "ping on an idle server (p50) / longest during the call",
                f"{lg['ping_idle_p50_ms']} ms / {lg['ping_max_ms']} ms",
            ],
            ["longest ping less the idle p50", f"{lg['stall_ms']} ms"],
            [
                "event-loop steps over 100 ms (asyncio debug run)",
                ", ".join(f"{ms:.0f} ms" for ms in lg["loop_callbacks_over_100ms"]) or "none",
            ],
            [
                "peak RSS (after warm-up)",
                f"{lg['peak_rss_mib']} MiB ({lg['rss_after_warm_up_mib']})",
            ],
            ["tool result", f"{lg['result_bytes']} bytes, {lg['result_items']} items"],
            ["its note", lg["truncated_note"]],
        ],
    )
    return out


def _coldstart(cs: dict[str, Any]) -> list[str]:
    out = [
        f"Median of {cs['runs']} runs each, interleaved (ABBA), after one warm-up start each. "
        "Time from spawn to the tools/list answer: `initialize` (protocol 2025-11-25), "
        "`notifications/initialized`, `tools/list`. Ours is configured with a webhook URL "
        "that is never called; the baseline is `bench/baseline_server.py` (MCPServer, one "
        "trivial tool).",
        "",
    ]
    rows = [
        [name, s["p50"], s["p90"], s["min"], s["max"], s.get("tools", "")]
        for name, s in cs["ms"].items()
    ]
    out += _table(["process", "p50 ms", "p90 ms", "min ms", "max ms", "tools"], rows)
    out += [
        "",
        f"**Ratio ours (out of the box: the default profile)/baseline (p50): "
        f"{cs['ratio_p50']:.3f}x** (goal ≤ {cs['goal_ratio']}x)"
        + (
            f"; with `--sandbox` (emulator imported and seeded in-process): "
            f"{cs['ratio_p50_sandbox']:.3f}x"
            if "ratio_p50_sandbox" in cs
            else ""
        )
        + (
            f"; with every tool (`--toolsets all`): {cs['ratio_p50_all_tools']:.3f}x"
            if "ratio_p50_all_tools" in cs
            else ""
        )
        + (
            f"; candidate `{cs['candidate']}`: {cs['ratio_p50_candidate']:.3f}x"
            if "ratio_p50_candidate" in cs
            else ""
        ),
        "",
    ]
    imports: dict[str, Any] = cs.get("imports") or {}
    if imports:
        out += [
            "`-X importtime` of the same start-up, self time summed per top-level package "
            "(one run, so indicative):",
            "",
        ]
        ours, base = imports["ours"], imports["baseline"]
        packages = list(dict.fromkeys([*ours["by_package_ms"], *base["by_package_ms"]]))
        rows = [
            [p, ours["by_package_ms"].get(p, "·"), base["by_package_ms"].get(p, "·")]
            for p in packages
        ]
        rows.append(
            [
                "**total** (modules)",
                f"{ours['total_ms']} ({ours['modules']})",
                f"{base['total_ms']} ({base['modules']})",
            ]
        )
        out += _table(["package", "ours ms", "baseline ms"], rows)
    return out


def _overhead(oh: dict[str, Any]) -> list[str]:
    out = [
        f"{oh['calls']} calls per path, one at a time, paths interleaved; the sandbox "
        f"portal in its own process on loopback HTTP; tool `{oh['tool']}`. "
        "`direct` = the same POST with httpx2.AsyncClient; `ours` = tools/call over stdio "
        "(client pacing off); `sdk` = `bench/proxy_server.py`, the SDK's low-level Server with "
        "one tool that forwards with httpx2 and nothing else (the floor of an MCP proxy).",
        "",
    ]
    rows = [[name, s["p50"], s["p90"], s["p99"], s["mean"]] for name, s in oh["ms"].items()]
    out += _table(["path", "p50 ms", "p90 ms", "p99 ms", "mean ms"], rows)
    out += [
        "",
        f"**Added by our server: p50 {oh['added_ms']['p50']:.3f} ms, p99 "
        f"{oh['added_ms']['p99']:.3f} ms** (goal < {OVERHEAD_GOAL_MS:g} ms at p50). The SDK floor "
        f"alone adds p50 {oh['sdk_floor_added_ms']['p50']:.3f} ms; ours minus the floor: "
        f"{oh['ours_over_sdk_ms']['p50']:.3f} ms.",
    ]
    if "candidate_added_ms" in oh:
        out += [
            "",
            f"Candidate `{oh['candidate']}`: added p50 "
            f"{oh['candidate_added_ms']['p50']:.3f} ms, "
            f"p99 {oh['candidate_added_ms']['p99']:.3f} ms.",
        ]
    return out


def _throughput(tp: dict[str, Any]) -> list[str]:
    conc = f"concurrent_{tp['concurrency']}"
    out = [
        f"{tp['calls']} calls of `{tp['tool']}` per row after 50 warm-up calls; the sandbox in "
        "its own process (limiter off), our server with client pacing off. `direct` = the "
        "same REST request straight to the sandbox with httpx2 (the portal's own ceiling "
        "here). HTTP = `serve --transport http` (stateless, JSON responses), one POST per "
        "call over a keep-alive pool. CPU = the server process's user+system time per call.",
        "",
    ]
    rows: list[list[Any]] = []
    for path in ("direct", "stdio", "http"):
        for mode in ("sequential", conc):
            s = tp[path][mode]
            rows.append(
                [
                    path,
                    mode.replace("_", " "),
                    s["per_s"],
                    s["seconds"],
                    s.get("server_cpu_ms_per_call", ""),
                ]
            )
    out += _table(["path", "mode", "calls/s", "seconds", "server CPU ms/call"], rows)
    return out


def _ratelimit(rl: dict[str, Any]) -> list[str]:
    out = [
        "Setup (not timed): one scrum_batch creates 2 sprints and the tasks in the demo "
        "Scrum, then as many `user_current` calls as the threshold fill the portal's bucket "
        "(and our pacer's; with pacing off, direct requests until the sandbox answers 503), "
        "so timing starts in steady state. (a) = one `task_update` per "
        "task, in sequence; (b) = one `scrum_batch` with all the `task_update` calls. "
        "Ceiling = drain rate x 50 commands a batch. '503s absorbed' = QUERY_LIMIT_EXCEEDED "
        "answers the server waited out and retried (its INFO log); 'surfaced' = rate-limit "
        "errors in the tool results the caller got.",
        "",
    ]
    rows: list[list[Any]] = []
    for sc in rl["scenarios"]:
        for mode, label in (("per_call", "(a) per task"), ("bulk", "(b) scrum_batch")):
            m = sc.get(mode)
            if not m:
                continue
            rows.append(
                [
                    sc["rate"],
                    sc["client_pacing"],
                    sc["tasks"],
                    label,
                    m["requests"],
                    m["seconds"],
                    m["ops_per_s"],
                    sc["ceiling_ops_per_s"],
                    f"{m['pct_of_ceiling']:.1f} %"
                    + (
                        f" ({m['pct_of_own_ceiling']:.0f} % of {m['own_ceiling_ops_per_s']:g}/s)"
                        if "pct_of_own_ceiling" in m
                        else ""
                    ),
                    m["rate_limit_errors_surfaced"],
                    m["503s_absorbed_by_retry"],
                ]
            )
    out += _table(
        [
            "portal limit",
            "client pacing",
            "tasks",
            "mode",
            "requests",
            "seconds",
            "ops/s",
            "ceiling ops/s",
            "of ceiling",
            "errors surfaced",
            "503s absorbed",
        ],
        rows,
    )
    return out


LLM_VIEW_GOAL = 8000  # issue 13: tokens of name + description + inputSchema, every tool


def _llm_view(tk: dict[str, Any]) -> list[str]:
    """What assistants give the model, before (the candidate checkout) and after."""
    after = tk["variants"]["all tools"]
    if "sum_llm_view_default" not in after:
        return []
    out = [
        "What assistants give the model: name + description + inputSchema of every tool, "
        f"as `json.dumps` writes them by default (goal: at most {LLM_VIEW_GOAL:,} tokens):",
        "",
    ]
    rows = [["this checkout, in-process client", after["tools"], after["sum_llm_view_default"]]]
    side = tk.get("side_by_side")
    if side:
        for key in ("before", "after"):
            measured = side[key]["all tools"]
            label = f"{key}, over stdio: `{side[key]['commit']}`"
            rows.append([label, measured["tools"], measured["sum_llm_view_default"]])
        b, f = (side[k]["all tools"]["sum_llm_view_default"] for k in ("before", "after"))
        rows.append(["change (side by side)", "", f"{f - b:+,}"])
    out += _table(["tools/list of", "tools", "tokens"], rows)
    if side:
        old = {t["name"]: t["llm_view_default"] for t in side["before"]["all tools"]["per_tool"]}
        changed = [
            [t["name"], old.get(t["name"], "—"), t["llm_view_default"]]
            for t in side["after"]["all tools"]["per_tool"]
            if old.get(t["name"]) != t["llm_view_default"]
        ]
        changed.sort(key=lambda r: r[2] - (r[1] if isinstance(r[1], int) else 0), reverse=True)
        out += ["", "Per tool where it changed, largest growth first:", ""]
        out += _table(["tool", "before", "after"], changed)
    return [*out, ""]


def _profiles(tk: dict[str, Any]) -> list[str]:
    """Issue 18: tools and LLM-view tokens per profile, against the goals."""
    if "profiles" not in tk:
        return []
    p = tk["profiles"]
    rows: list[list[Any]] = []
    for label, v in tk["variants"].items():
        goal = p["goals"].get(label)
        wanted = ""
        if goal:
            most = [f"≤ {goal['goal_tools']} tools"] if goal["goal_tools"] else []
            wanted = ", ".join([*most, f"≤ {goal['goal_tokens']:,} tokens"])
        met = _ok(goal["met"]) if goal else ""
        rows.append([label, v["tools"], v["sum_llm_view_default"], wanted, met])
    out = [
        "Profiles: what assistants give the model (name + description + inputSchema, "
        "`json.dumps` default separators, o200k) per profile:",
        "",
        *_table(["profile", "tools", "tokens", "goal", "met"], rows),
        "",
        f"Longest prefixed name: `{p['longest_name']}`, {p['longest_name_chars']} characters "
        f"(goal ≤ 60: {_ok(p['name_goal_met'])}).",
        "",
    ]
    return out


def _tokens(tk: dict[str, Any]) -> list[str]:
    out = [
        f"Encoding: {tk['encoding']}. Tools fetched with an in-process `mcp.Client`; each "
        "tool counted as the compact JSON object the SDK puts on the wire. 'LLM view' = "
        "name + description + inputSchema, what most clients forward to the model.",
        "",
        *_profiles(tk),
        *_llm_view(tk),
    ]
    rows = [
        [
            label,
            v["tools"],
            v["list_total"],
            v["list_bytes"],
            v["mean_total"],
            v["mean_llm_view"],
            v["parts"]["description"],
            v["parts"]["input_schema"],
            v["parts"]["output_schema"],
            v["parts"]["other"],
        ]
        for label, v in tk["variants"].items()
    ]
    out += _table(
        [
            "tools offered",
            "tools",
            "tools/list tokens",
            "bytes",
            "mean/tool",
            "LLM view mean/tool",
            "descriptions",
            "inputSchemas",
            "outputSchemas",
            "name+title+annotations",
        ],
        rows,
    )
    out += ["", "Per tool, all tools, largest first:", ""]
    rows = [
        [
            t["name"],
            t["total"],
            t["llm_view"],
            t["description"],
            t["input_schema"],
            t["output_schema"],
            t["other"],
        ]
        for t in tk["variants"]["all tools"]["per_tool"]
    ]
    out += _table(
        ["tool", "total", "LLM view", "description", "inputSchema", "outputSchema", "other"], rows
    )
    out += [
        "",
        "What costs most: each change below applied alone to the full list, measured "
        "(tokens saved of the whole tools/list):",
        "",
    ]
    rows = [
        [
            w["change"],
            w["saves"],
            f"{w['saves_pct']} %",
            w["llm_view_after"],
            w.get("llm_view_default_after", "—"),
        ]
        for w in tk["what_ifs"]
    ]
    out += _table(
        [
            "change",
            "tokens saved",
            "share",
            "LLM-view total after",
            "same, `json.dumps` default",
        ],
        rows,
    )
    out += ["", "Repeated properties, tokens summed over all tools:", ""]
    rows = [[h["fragment"], h["occurrences"], h["tokens"]] for h in tk["hotspots"][:10]]
    out += _table(["property", "occurrences", "tokens"], rows)
    return out


def _memory(tp: dict[str, Any]) -> list[str]:
    mem = tp["memory"]

    def mib(key: str, field: str = "peak_rss_kib") -> str:
        return f"{mem[key][field] / 1024:.1f}"

    rows = [
        [
            "ours, after start-up (initialize + tools/list)",
            mib("ours_after_startup"),
            mib("ours_after_startup", "rss_kib"),
        ],
        [
            f"ours, after {mem['calls']} sequential calls",
            mib("ours_after_calls"),
            mib("ours_after_calls", "rss_kib"),
        ],
        [
            f"ours, after {tp['calls']} more at {tp['concurrency']} in flight",
            mib("ours_after_concurrent"),
            mib("ours_after_concurrent", "rss_kib"),
        ],
        [
            "baseline MCPServer, after start-up",
            mib("baseline_after_startup"),
            mib("baseline_after_startup", "rss_kib"),
        ],
    ]
    return [
        "The stdio server of §3, read from /proc/PID/status (VmHWM = peak, VmRSS = now).",
        "",
        *_table(["process", "peak RSS MiB", "RSS MiB"], rows),
    ]


def _replicas(rp: dict[str, Any]) -> list[str]:
    out = [
        f"Three replicas of `serve --transport http` write through one stand-in portal (the "
        f"sandbox, {rp['portal']}, counting every refusal). Eight workers call `epic_add` "
        "through the replicas in turn, each with a name of its own; a write is retried only "
        "when its connection was refused (never sent), on the next replica. Lost = answered "
        "ok but missing from the portal; doubled = stored twice. Steady = the second half of "
        "the run, after the 50-request burst. `redis`: BITRIX24_STATE_URL shares one bucket; "
        "`local`: each replica paces itself to 2/50 as if alone; `faults`: as `redis`, with "
        "replica 1 killed (SIGKILL) at 30 % of the run and Redis killed at 50 % and started "
        "again (empty) 15 % later.",
        "",
    ]
    rows: list[list[Any]] = []
    for name in ("redis", "local", "faults"):
        run = rp.get(name)
        if not run:
            continue
        others = ", ".join(f"{k} {v}" for k, v in run["other_errors"].items()) or "none"
        rows.append(
            [
                name,
                f"{run['seconds']:.0f}",
                run["writes_ok"],
                f"{run['writes_per_s']:.2f}",
                f"{run['steady_writes_per_s']:.2f}",
                f"{run['portal_ceiling_per_s']:g}",
                run["limit_errors_to_callers"],
                run["portal_refusals"],
                others,
                f"{run['lost_writes']} / {run['doubled_writes']}",
            ]
        )
    out += _table(
        [
            "run",
            "seconds",
            "writes ok",
            "writes/s",
            "steady writes/s",
            "portal ceiling/s",
            "limit errors to callers",
            "portal refusals",
            "other errors",
            "lost / doubled",
        ],
        rows,
    )
    faults = rp.get("faults")
    if faults:
        sample = faults["error_samples"].get("STATE_UNAVAILABLE", "")
        out += [
            "",
            "Faults: " + "; ".join(faults["events"]) + ". "
            f"{faults['writes_ok_after_faults']} writes succeeded after Redis came back. "
            f'While Redis was down calls failed at once with `STATE_UNAVAILABLE`: "{sample}"',
        ]
    return out


def _jobs(jb: dict[str, Any]) -> list[str]:
    import jobs  # the table is the script's own, so the two never disagree

    return [
        "Each job scripted as the shortest path with only the one-to-one tools (their "
        "`scrum_batch` included) and with the workbench tools, on a fresh sandbox each: tool "
        "calls are model turns, REST requests are counted by the client, result tokens are "
        "o200k of the results' text. Goals: at most 2 workbench calls, at most half the "
        "tokens, no more requests; both paths reach the same answer.",
        "",
        jobs.table(jb),
        "",
        f"All goals met: {_ok(jb['all_goals_met'])}",
    ]


def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Generated by `bench/run.py` from `results.json`; do not edit by hand (analysis and "
        "experiments: `bench/experiments.md`, included below).",
        "",
        f"- Command: `{r['command']}` ({r['mode']} mode, {r.get('seconds', '?')} s)",
        f"- Date: {m['date']}; commit {m['commit']}",
        f"- Machine: `{m['uname']}`",
        f"- CPU: {m['cpu']} x {m['cpus']} logical; memory {m['memory']}",
        f"- Python {m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        "- Every ratio and difference below is between figures measured side by side in the "
        "same run; absolute figures move with machine load.",
        "",
        "## Summary",
        "",
        *_summary(r),
    ]
    sections = (
        ("1. Cold start", "coldstart", _coldstart, "python bench/coldstart.py"),
        ("2. Per-call overhead", "overhead", _overhead, "python bench/overhead.py"),
        ("3. Throughput", "throughput", _throughput, "python bench/throughput.py"),
        ("4. Rate-limited portal", "ratelimit", _ratelimit, "python bench/rate_limit.py"),
        ("5. Tokens", "tokens", _tokens, "python bench/tokens.py"),
        ("6. Memory", "throughput", _memory, "python bench/throughput.py"),
        ("7. Hostile load", "load", _load, "python bench/load.py"),
        ("8. Replicas sharing one portal", "replicas", _replicas, "python bench/replicas.py"),
        ("9. Jobs: one-to-one tools vs the workbench", "jobs", _jobs, "python bench/jobs.py"),
    )
    quick = " --quick" if r["mode"] == "quick" else ""
    for title, key, fn, command in sections:
        lines += ["", f"## {title}", "", f"Command: `{command}{quick}` (or `{r['command']}`)", ""]
        section = r.get(key)
        failure = _failed(section)
        lines += failure if failure is not None else fn(section or {})
    if EXPERIMENTS.exists():
        lines += ["", EXPERIMENTS.read_text().rstrip()]
    return "\n".join(lines) + "\n"


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results.json"
    sys.stdout.write(render(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
