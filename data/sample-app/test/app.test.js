'use strict';

// Starts the real server on a free port and checks what it answers.
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const http = require('node:http');
const { server, MESSAGE } = require('../app');

let baseUrl;

before(() => new Promise((resolve) => {
  server.listen(0, '127.0.0.1', () => {
    baseUrl = `http://127.0.0.1:${server.address().port}`;
    resolve();
  });
}));

after(() => new Promise((resolve) => server.close(resolve)));

function get(path) {
  return new Promise((resolve, reject) => {
    http.get(baseUrl + path, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, type: response.headers['content-type'], body }));
    }).on('error', reject);
  });
}

test('GET / answers 200 with the message', async () => {
  const response = await get('/');
  assert.strictEqual(response.status, 200);
  assert.match(response.type, /^text\/plain/);
  assert.strictEqual(response.body, MESSAGE);
});

test('the message is a non-empty greeting', () => {
  assert.strictEqual(typeof MESSAGE, 'string');
  assert.ok(MESSAGE.trim().length > 0, 'MESSAGE must not be empty');
});

test('unknown paths answer 404', async () => {
  const response = await get('/missing');
  assert.strictEqual(response.status, 404);
});
