// Vercel AI SDK (@ai-sdk/mcp + ai) against our server: tools(), then a generateText run whose
// scripted model (MockLanguageModelV4 from ai/test, no network) asks for the calls and records
// the tool results it is sent next: what a real model would see. Prints a JSON report.
//   node aisdk_client.mjs '{"stdio": {"command", "args"} | "url": ..., "calls": [...]}'
import { createMCPClient } from '@ai-sdk/mcp';
import { Experimental_StdioMCPTransport as StdioMCPTransport } from '@ai-sdk/mcp/mcp-stdio';
import { generateText, stepCountIs } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';

const payload = JSON.parse(process.argv[2]);
const mcp = await createMCPClient(
  payload.url
    ? { transport: { type: 'http', url: payload.url } }
    // stdio: without this the client first probes `server/discover` for 1 s, and a server
    // that answers later has locked the pipe to that protocol (docs/clients/README.md)
    : { transport: new StdioMCPTransport(payload.stdio), protocolVersionDiscovery: false },
);
const tools = await mcp.tools();
const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
                outputTokens: { total: 1, text: 1, reasoning: 0 } };
const report = { listed: Object.keys(tools), calls: {}, offered: 0 };
let step = 0;
const model = new MockLanguageModelV4({
  doGenerate: async (options) => {
    step += 1;
    if (step === 1) {
      report.offered = options.tools.length;
      report.closed = options.tools.filter((t) => t.inputSchema.additionalProperties === false).length;
      return {
        content: payload.calls.map((c) => ({ type: 'tool-call', toolCallId: c.label, toolName: c.tool,
                                             input: JSON.stringify(c.arguments) })),
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage, warnings: [],
      };
    }
    for (const message of options.prompt) {
      if (message.role !== 'tool') continue;
      for (const part of message.content) {
        const output = part.output;
        const text = output.type === 'content'
          ? output.value.filter((v) => v.type === 'text').map((v) => v.text).join('\n')
          : typeof output.value === 'string' ? output.value : JSON.stringify(output.value);
        report.calls[part.toolCallId] = { output_type: output.type, text };
      }
    }
    return { content: [{ type: 'text', text: 'Done.' }], finishReason: { unified: 'stop', raw: 'stop' },
             usage, warnings: [] };
  },
});
const result = await generateText({ model, tools, prompt: 'Rename the sprint', stopWhen: stepCountIs(3) });
report.final = result.text;
await mcp.close();
console.log(JSON.stringify(report));
