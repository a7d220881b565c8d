// The MCP TypeScript SDK clients against our server: list, then each call; prints a JSON report.
// v1 (@modelcontextprotocol/sdk) validates structuredContent against outputSchema even when
// isError is true; v2 is @modelcontextprotocol/client. Imports nothing from this repository.
//   node tssdk_client.mjs '{"sdk": "v1"|"v2", "stdio": {"command", "args"} | "url": ..., "calls": [...]}'
const payload = JSON.parse(process.argv[2]);

async function load(sdk) {
  if (sdk === 'v1') {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    return { Client, StdioClientTransport, StreamableHTTPClientTransport };
  }
  const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
  const { StdioClientTransport } = await import('@modelcontextprotocol/client/stdio');
  return { Client, StdioClientTransport, StreamableHTTPClientTransport };
}

const { Client, StdioClientTransport, StreamableHTTPClientTransport } = await load(payload.sdk);
const transport = payload.url
  ? new StreamableHTTPClientTransport(new URL(payload.url))
  : new StdioClientTransport({ ...payload.stdio, stderr: 'ignore' });
const client = new Client({ name: 'b24-client-matrix', version: '0.0.1' });
await client.connect(transport);
const report = { listed: (await client.listTools()).tools.map((t) => t.name), calls: {} };
for (const call of payload.calls) {
  const result = await client.callTool({ name: call.tool, arguments: call.arguments });
  report.calls[call.label] = {
    is_error: result.isError ?? false,
    text: result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n'),
    structured: result.structuredContent ?? null,
  };
}
await client.close();
console.log(JSON.stringify(report));
