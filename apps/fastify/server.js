'use strict';

// Fastify 5 benchmark app. Port from PORT (or --port N), workers from WORKERS
// (or --workers N): one process when 1, node:cluster with N workers otherwise.

const cluster = require('node:cluster');
const { setTimeout: sleep } = require('node:timers/promises');

function option(name, envName, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i !== -1 ? process.argv[i + 1] : process.env[envName];
  const value = Number.parseInt(raw ?? fallback, 10);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`invalid ${name}: ${raw}`);
    process.exit(2);
  }
  return value;
}

const port = option('port', 'PORT', '3000');
const workers = Math.max(1, option('workers', 'WORKERS', '1'));
const host = '127.0.0.1';

function buildApp() {
  const fastify = require('fastify')({ logger: false });
  fastify.register(require('@fastify/formbody'));
  fastify.register(require('@fastify/multipart'));
  fastify.register(require('@fastify/websocket'));

  fastify.get('/health', async () => ({ status: 'ok' }));

  // Baseline
  fastify.get('/plaintext', async (request, reply) => {
    reply.type('text/plain; charset=utf-8');
    return 'Hello, World!';
  });
  fastify.get('/json', async () => ({ message: 'Hello, World!' }));

  // JSON bodies: parsed by Fastify's JSON content-type parser, re-serialised on reply.
  const echo = async (request) => request.body;
  fastify.post('/json/small', echo);
  fastify.post('/json/medium', echo);
  fastify.post('/json/large', echo);
  fastify.post('/json/very-large', echo);

  // Path parameters
  fastify.get('/path/simple/:id', async (request) => ({ id: request.params.id }));
  fastify.get('/path/multiple/:user_id/:post_id', async (request) => ({
    user_id: request.params.user_id,
    post_id: request.params.post_id,
  }));
  fastify.get('/path/deep/:org/:team/:project/:resource/:id', async (request) => {
    const { org, team, project, resource, id } = request.params;
    return { org, team, project, resource, id };
  });
  fastify.get(
    '/path/int/:id',
    {
      schema: {
        params: {
          type: 'object',
          properties: { id: { type: 'integer' } },
          required: ['id'],
        },
      },
    },
    async (request) => ({ id: request.params.id }),
  );
  fastify.get('/path/uuid/:uuid', async (request) => ({ uuid: request.params.uuid }));
  fastify.get('/path/date/:date', async (request) => ({ date: request.params.date }));

  // Query parameters: typed through JSON schema; Ajv coerces the strings.
  const query = (properties) => ({
    schema: { querystring: { type: 'object', properties } },
  });
  const echoQuery = async (request) => request.query;

  fastify.get(
    '/query/few',
    query({
      q: { type: 'string' },
      page: { type: 'integer' },
      limit: { type: 'integer' },
    }),
    echoQuery,
  );
  fastify.get(
    '/query/medium',
    query({
      category: { type: 'string' },
      tags: { type: 'string' },
      min_price: { type: 'number' },
      max_price: { type: 'number' },
      sort: { type: 'string' },
      order: { type: 'string' },
      page: { type: 'integer' },
      limit: { type: 'integer' },
    }),
    echoQuery,
  );
  fastify.get(
    '/query/many',
    query({
      q: { type: 'string' },
      page: { type: 'integer' },
      limit: { type: 'integer' },
      sort: { type: 'string' },
      order: { type: 'string' },
      filter: { type: 'string' },
      category: { type: 'string' },
      subcategory: { type: 'string' },
      brand: { type: 'string' },
      min_price: { type: 'number' },
      max_price: { type: 'number' },
      rating: { type: 'number' },
      verified: { type: 'boolean' },
      in_stock: { type: 'boolean' },
      shipping: { type: 'string' },
      color: { type: 'string' },
    }),
    echoQuery,
  );

  // URL-encoded forms: parsed by @fastify/formbody into an object of strings.
  const echoForm = async (request) => ({ ...request.body });
  fastify.post('/urlencoded/simple', echoForm);
  fastify.post('/urlencoded/complex', echoForm);

  // multipart/form-data: @fastify/multipart's request.parts() streams the parts; the files
  // of field `files` are counted and their bytes summed as they arrive (every file stream
  // is read to its end, as the iterator requires).
  const countFiles = async (request) => {
    let files = 0;
    let total = 0;
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue;
      const counted = part.fieldname === 'files';
      if (counted) files += 1;
      for await (const chunk of part.file) {
        if (counted) total += chunk.length;
      }
    }
    return { files_received: files, total_bytes: total };
  };
  fastify.post('/multipart/small', countFiles);
  fastify.post('/multipart/medium', countFiles);
  fastify.post('/multipart/large', countFiles);

  // Streaming: SSE by hand on the raw response (Fastify has no SSE reply type), the query
  // typed and bounded by JSON schema (Ajv coerces; 400 otherwise).
  fastify.get(
    '/stream/sse',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            count: { type: 'integer', minimum: 1, maximum: 100000 },
            interval_ms: { type: 'integer', minimum: 0, maximum: 10000, default: 0 },
          },
          required: ['count'],
        },
      },
    },
    async (request, reply) => {
      const { count, interval_ms: interval } = request.query;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (let i = 0; i < count; i++) {
        if (i > 0 && interval > 0) await sleep(interval);
        if (res.destroyed) return;
        // ts_us taken just before the write; res.write sends one chunk per event.
        if (!res.write(`id: ${i}\ndata: {"seq":${i},"ts_us":${nowUs()}}\n\n`)) await drained(res);
      }
      res.end();
    },
  );

  // WebSocket echo (@fastify/websocket, i.e. ws): text back as text, binary as binary, in
  // order; ws answers the client's close frame itself. Routes with `websocket: true` are
  // declared in a plugin registered after @fastify/websocket.
  fastify.register(async (instance) => {
    instance.get('/stream/ws', { websocket: true }, (socket) => {
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
  });

  return fastify;
}

// Wall clock (Unix epoch) in microseconds: Date.now() has only milliseconds, so the
// high-resolution clock is anchored at the process's time origin.
function nowUs() {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

// Resolves on 'drain' (the socket took the buffered chunks) or 'close' (client gone).
function drained(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

async function serve() {
  const app = buildApp();
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    await app.listen({ port, host });
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
}

if (workers > 1 && cluster.isPrimary) {
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers).length === 0) process.exit(0);
      return;
    }
    console.error(`worker ${worker.process.pid} died (${signal || code}); restarting`);
    cluster.fork();
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
    if (Object.keys(cluster.workers).length === 0) process.exit(0);
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  serve();
}
