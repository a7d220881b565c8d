// The MCP TypeScript SDK with bitrix24-scrum-mcp (npm install @modelcontextprotocol/sdk).
//   BITRIX24_WEBHOOK_URL=https://<portal>/rest/<user>/<code>/ node typescript_sdk.mjs
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const SOURCE = '/path/to/bitrix24-scrum-mcp';
const client = new Client({ name: 'scrum-assistant', version: '1.0.0' });
await client.connect(new StdioClientTransport({
  command: 'uvx',
  args: ['--from', SOURCE, 'bitrix24-scrum-mcp'],
  env: { BITRIX24_WEBHOOK_URL: process.env.BITRIX24_WEBHOOK_URL },
})); // HTTP: new StreamableHTTPClientTransport(new URL(url)) from '.../client/streamableHttp.js'
const { tools } = await client.listTools();
const overview = await client.callTool({ name: 'scrum_overview', arguments: { groupId: 11 } });
console.log(tools.length, 'tools;', overview.isError ? 'error' : 'ok', JSON.stringify(overview.structuredContent));
await client.close();
