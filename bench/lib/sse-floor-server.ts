/**
 * The HTTP floor of the LLM benchmark's time to first token: a bare node:http server that answers
 * every POST with the SSE headers Nereid sends and one OpenAI completion chunk holding one token's
 * text, at once, then `data: [DONE]`. What a client measures against it is the part of TTFT that
 * no generation engine can remove on this machine: the client's request, the server's HTTP
 * receive and the first event's way back. Run as a child process; prints `LISTENING <port>`.
 */
import { createServer } from 'node:http';

const CHUNK = `data: ${JSON.stringify({
  id: 'cmpl-floor',
  object: 'text_completion',
  created: 0,
  model: 'stories',
  choices: [{ index: 0, text: ',', logprobs: null, finish_reason: null }],
})}\n\n`;

const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write(CHUNK);
    res.end('data: [DONE]\n\n');
  });
});
server.keepAliveTimeout = 600_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`LISTENING ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
