// @bitrix24/b24jssdk (the official JavaScript SDK) against the sandbox.
//
// Run by tests/compat/test_official_clients.py with node 22 and .ci/compat/node on
// NODE_PATH: `node b24jssdk_client.mjs <webhook_url> [rate]`. Prints one JSON report: each
// check with whether it passed, and how many SDK calls it made. The one patch: the SDK
// insists on https (B24Hook.fromWebhookUrl, AuthHookManager), the sandbox is loopback
// http, so the URL is handed over as https and an axios interceptor turns the scheme back.
import { createRequire } from 'node:module'
const require = createRequire(process.env.B24JSSDK_PREFIX + '/package.json')
const { B24Hook, ApiVersion, AjaxError, LoggerFactory } = require('@bitrix24/b24jssdk')

const url = process.argv[2]
const mode = process.argv[3] || 'full'
const b24 = B24Hook.fromWebhookUrl(url.replace(/^http:/, 'https:'))
for (const version of [ApiVersion.v2, ApiVersion.v3]) {
  b24.getHttpClient(version).ajaxClient.interceptors.request.use((config) => {
    for (const key of ['baseURL', 'url']) {
      if (typeof config[key] === 'string') config[key] = config[key].replace(/^https:/, 'http:')
    }
    return config
  })
}
b24.setLogger(LoggerFactory.createNullLogger())
const S = 'tasks.api.scrum.'
const report = []
let calls = 0

async function check (name, run, expect) {
  calls += 1
  try {
    const value = await run()
    report.push({ check: name, ok: Boolean(expect(value)), got: JSON.stringify(value)?.slice(0, 300) ?? String(value) })
  } catch (error) {
    report.push({ check: name, ok: false, got: `${error?.constructor?.name}: ${error?.code ?? ''} ${error?.message ?? error}`.slice(0, 300) })
  }
}

async function raised (run) {
  try { await run() } catch (error) { return error }
  return null
}

const call = (method, params) => b24.actions.v2.call.make({ method, params })

if (mode === 'rate') {
  // 20 calls at once: the SDK's restriction manager waits and retries QUERY_LIMIT_EXCEEDED.
  await Promise.all(Array.from({ length: 20 }, (_, i) => check(`call ${i} at once, rate-limited`,
    async () => (await call(S + 'sprint.get', { id: 23 })).getData().result.id, (id) => id === 23)))
} else {
  await check('call sprint.get', async () => (await call(S + 'sprint.get', { id: 23 })).getData().result, (r) => r.id === 23)
  await check('call epic.add', async () => (await call(S + 'epic.add', { fields: { name: 'JS epic', groupId: 11 } })).getData().result,
    (r) => r.name === 'JS epic')
  await check('call task.update answers true', async () => (await call(S + 'task.update', { id: 104, fields: { storyPoints: '2' } })).getData().result,
    (r) => r === true)
  await check('callList tasks.task.list (counted)', async () => (await b24.actions.v2.callList.make({
    method: 'tasks.task.list', params: { filter: { GROUP_ID: 11 }, select: ['ID'] }, idKey: 'id', customKeyForResult: 'tasks'
  })).getData(), (r) => r.length === 11)
  await check('fetchList tasks.task.list', async () => {
    const ids = []
    for await (const chunk of b24.actions.v2.fetchList.make({
      method: 'tasks.task.list', params: { filter: { GROUP_ID: 11 }, select: ['ID'] }, idKey: 'id', customKeyForResult: 'tasks'
    })) ids.push(...chunk.map((t) => t.id))
    return ids
  }, (ids) => ids.length === 11)
  await check('deprecated fetchListMethod', async () => {
    const ids = []
    for await (const chunk of b24.fetchListMethod('tasks.task.list', { filter: { GROUP_ID: 11 }, select: ['ID'] }, 'id', 'tasks')) ids.push(...chunk)
    return ids.length
  }, (n) => n === 11)
  await check('callList epic.list (uncounted)', async () => (await b24.actions.v2.callList.make({
    method: S + 'epic.list', params: { filter: { GROUP_ID: 11 } }, idKey: 'ID'
  })).getData(), (r) => r.length === 4)
  await check('batch with a $result reference', async () => (await b24.actions.v2.batch.make({
    calls: { sprint: [S + 'sprint.get', { id: 23 }], backlog: [S + 'backlog.get', { id: '$result[sprint][groupId]' }] },
    options: { isHaltOnError: true }
  })).getData(), (r) => r.backlog.id === 21 && r.sprint.id === 23)
  await check('batch as an array', async () => (await b24.actions.v2.batch.make({
    calls: [[S + 'task.get', { id: 101 }], [S + 'task.get', { id: 102 }]], options: { isHaltOnError: true }
  })).getData(), (r) => r.length === 2 && r[0].entityId === 23)
  const failedBatch = await raised(async () => {
    const result = await b24.actions.v2.batch.make({
      calls: { bad: [S + 'sprint.get', { id: 999 }], ok: ['server.time', {}] }, options: { isHaltOnError: false }
    })
    if (!result.isSuccess) throw new Error(result.getErrorMessages().join('; '))
    return result
  })
  await check('batch reports a failing command', async () => failedBatch?.message, (m) => typeof m === 'string' && m.includes('Sprint not found'))
  const err = await raised(() => call(S + 'sprint.get', { id: 999 }))
  await check('controller error is an AjaxError', async () => err?.constructor?.name, () => err instanceof AjaxError)
  // The SDK replaces a portal's code "0" with the HTTP client's (parseErrorPayload:
  // `error !== "0" ? error : fallbackCode`), so this is its own choice, the same on a portal.
  await check('AjaxError code for "0"', async () => err?.code, (c) => c === 'ERR_BAD_REQUEST')
  await check('AjaxError description', async () => err?.description ?? err?.message, (d) => d === 'Sprint not found')
  await check('AjaxError status', async () => err?.status, (s) => s === 400)
  const bind = await raised(() => call(S + 'task.get', {}))
  await check('task.get binding error', async () => [bind?.code, bind?.status], ([c, s]) => c === '100' && s === 400)
  await check('kanban.addTask refused is a plain false', async () => (await call(S + 'kanban.addTask', { sprintId: 999, taskId: 101, stageId: 1 })).getData().result,
    (r) => r === false)
}

console.log(JSON.stringify({ library: '@bitrix24/b24jssdk', calls, checks: report }))
