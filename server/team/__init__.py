# pyright: strict
"""The team server: each person acts as themselves, replicas share state, writes are audited.

`serve --transport http` becomes a team server when people are configured: either a tokens
file (`MCP_HTTP_TOKENS_FILE`, bearer token -> that person's webhook) or a Bitrix24 OAuth
application (people sign in at their portal and get an MCP access token from this server).
Shared state (tokens, locks, the rate bucket, the audit stream) lives in-process and in a
local SQLite file, or in Redis with `BITRIX24_STATE_URL=redis://...` for replicas.

Modules: `settings` (the environment), `state` / `redis_state` (where state lives),
`vault` (encrypted records), `people` (who is calling, and their REST client), `tokens_file`,
`portal_oauth` (the Bitrix24 OAuth server), `signin` (the MCP authorization server),
`pacing` (the shared rate bucket), `audit`, `calls` (one tool call as a person), `app`.
"""
