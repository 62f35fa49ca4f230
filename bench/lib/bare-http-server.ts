/**
 * The physical-limit baseline for HTTP: a bare node:http server that reads the request body and
 * answers every request with the same fixed response bytes and headers (those Nereid sends for
 * the same request). Run as a child process; prints `LISTENING <port>` when ready.
 */
import { createServer } from 'node:http';

const [, , port = '0', bodyB64 = '', headersJson = '{}'] = process.argv;
const body = Buffer.from(bodyB64, 'base64');
const headers = {
  ...(JSON.parse(headersJson) as Record<string, string>),
  'Content-Length': String(body.length),
};

const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, headers);
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(port), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`LISTENING ${typeof address === 'object' && address ? address.port : port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
