'use strict';

// The workshop's sample service: answers GET / with MESSAGE on port 8080.
// Change MESSAGE, commit to master, and watch the Dev pipeline deploy it.
const http = require('http');

const MESSAGE = 'Hello world';
const PORT = Number(process.env.PORT || 8080);
const HOST = process.env.HOST || '0.0.0.0';

function handle(request, response) {
  if (request.method === 'GET' && request.url === '/') {
    response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end(MESSAGE);
    return;
  }
  response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end('Not found');
}

const server = http.createServer(handle);

if (require.main === module) {
  server.listen(PORT, HOST, () => console.log(`Running on http://${HOST}:${PORT}`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

module.exports = { server, MESSAGE };
