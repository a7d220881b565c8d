// Vercel AI SDK with bitrix24-scrum-mcp (npm install ai @ai-sdk/mcp @ai-sdk/openai).
//   OPENAI_API_KEY=... BITRIX24_WEBHOOK_URL=https://<portal>/rest/<user>/<code>/ node ai_sdk.mjs
import { createMCPClient } from '@ai-sdk/mcp';
import { Experimental_StdioMCPTransport as StdioMCPTransport } from '@ai-sdk/mcp/mcp-stdio';
import { openai } from '@ai-sdk/openai';
import { generateText, stepCountIs } from 'ai';

const SOURCE = '/path/to/bitrix24-scrum-mcp';
const mcp = await createMCPClient({
  transport: new StdioMCPTransport({
    command: 'uvx',
    args: ['--from', SOURCE, 'bitrix24-scrum-mcp'],
    env: { BITRIX24_WEBHOOK_URL: process.env.BITRIX24_WEBHOOK_URL },
  }),
  // Over stdio the client otherwise probes the new protocol for 1 s first; a server that
  // answers later (a slow first start) then refuses the fallback handshake.
  protocolVersionDiscovery: false,
}); // HTTP: createMCPClient({ transport: { type: 'http', url, headers } })
try {
  const { text } = await generateText({
    model: openai('gpt-5-mini'),
    tools: await mcp.tools(),
    stopWhen: stepCountIs(5),
    prompt: 'Which sprints does Scrum 11 have?',
  });
  console.log(text);
} finally {
  await mcp.close();
}
