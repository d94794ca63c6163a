'use strict';

// Hono on @hono/node-server benchmark app. Port from PORT (or --port N), workers
// from WORKERS (or --workers N): one process when 1, node:cluster with N workers otherwise.

const cluster = require('node:cluster');

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
const hostname = '127.0.0.1';

// Typed query values, converted by hand from c.req.query()'s strings.
// Missing values stay undefined (and are left out of the JSON answer).
function toInt(value) {
  if (value === undefined) return undefined;
  const n = Number.parseInt(value, 10);
  return Number.isNaN(n) ? undefined : n;
}
function toNumber(value) {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isNaN(n) ? undefined : n;
}
function toBool(value) {
  if (value === undefined) return undefined;
  return value === 'true' || value === '1';
}

// ---------- streaming ----------

// Wall clock (Unix epoch) in microseconds: Date.now() has only milliseconds, so the
// high-resolution clock is anchored at the process's time origin.
function nowUs() {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

const INTEGER = /^-?\d+$/;

// An integer query value in [min, max] (the fallback when absent), or undefined when invalid.
function boundedInt(raw, min, max, fallback) {
  if (raw === undefined && fallback !== undefined) return fallback;
  if (typeof raw !== 'string' || !INTEGER.test(raw)) return undefined;
  const n = Number.parseInt(raw, 10);
  return n < min || n > max ? undefined : n;
}

function buildApp() {
  const { Hono } = require('hono');
  const { HTTPException } = require('hono/http-exception');
  const { streamSSE } = require('hono/streaming');
  const app = new Hono();

  app.get('/health', (c) => c.json({ status: 'ok' }));

  // Baseline
  app.get('/plaintext', (c) => c.text('Hello, World!'));
  app.get('/json', (c) => c.json({ message: 'Hello, World!' }));

  // JSON bodies: parsed with c.req.json(), re-serialised by c.json().
  const echo = async (c) => {
    let body;
    try {
      body = await c.req.json();
    } catch {
      throw new HTTPException(400, { message: 'invalid JSON body' });
    }
    return c.json(body);
  };
  app.post('/json/small', echo);
  app.post('/json/medium', echo);
  app.post('/json/large', echo);
  app.post('/json/very-large', echo);

  // Path parameters
  app.get('/path/simple/:id', (c) => c.json({ id: c.req.param('id') }));
  app.get('/path/multiple/:user_id/:post_id', (c) =>
    c.json({ user_id: c.req.param('user_id'), post_id: c.req.param('post_id') }),
  );
  app.get('/path/deep/:org/:team/:project/:resource/:id', (c) => {
    const { org, team, project, resource, id } = c.req.param();
    return c.json({ org, team, project, resource, id });
  });
  // Hono routes accept a regex per parameter; the handler converts the digits.
  app.get('/path/int/:id{-?[0-9]+}', (c) => c.json({ id: Number.parseInt(c.req.param('id'), 10) }));
  app.get('/path/uuid/:uuid', (c) => c.json({ uuid: c.req.param('uuid') }));
  app.get('/path/date/:date', (c) => c.json({ date: c.req.param('date') }));

  // Query parameters: c.req.query() gives strings; typed values are converted here.
  app.get('/query/few', (c) => {
    const { q, page, limit } = c.req.query();
    return c.json({ q, page: toInt(page), limit: toInt(limit) });
  });
  app.get('/query/medium', (c) => {
    const query = c.req.query();
    return c.json({
      category: query.category,
      tags: query.tags,
      min_price: toNumber(query.min_price),
      max_price: toNumber(query.max_price),
      sort: query.sort,
      order: query.order,
      page: toInt(query.page),
      limit: toInt(query.limit),
    });
  });
  app.get('/query/many', (c) => {
    const query = c.req.query();
    return c.json({
      q: query.q,
      page: toInt(query.page),
      limit: toInt(query.limit),
      sort: query.sort,
      order: query.order,
      filter: query.filter,
      category: query.category,
      subcategory: query.subcategory,
      brand: query.brand,
      min_price: toNumber(query.min_price),
      max_price: toNumber(query.max_price),
      rating: toNumber(query.rating),
      verified: toBool(query.verified),
      in_stock: toBool(query.in_stock),
      shipping: query.shipping,
      color: query.color,
    });
  });

  // URL-encoded forms: c.req.parseBody() gives an object of decoded strings.
  const echoForm = async (c) => c.json(await c.req.parseBody());
  app.post('/urlencoded/simple', echoForm);
  app.post('/urlencoded/complex', echoForm);

  // multipart/form-data: c.req.parseBody({ all: true }) (the Web standard FormData
  // parser) gives File objects; one file in `files` comes as a File, several as an array.
  const countFiles = async (c) => {
    const body = await c.req.parseBody({ all: true });
    const files = [body.files ?? []].flat().filter((value) => typeof value !== 'string');
    return c.json({ files_received: files.length, total_bytes: files.reduce((sum, f) => sum + f.size, 0) });
  };
  app.post('/multipart/small', countFiles);
  app.post('/multipart/medium', countFiles);
  app.post('/multipart/large', countFiles);

  // SSE: GET /stream/sse?count=N&interval_ms=I. streamSSE sets the headers
  // (text/event-stream, no-cache) and closes the stream after the callback; the events are
  // written with stream.write() because writeSSE() puts the `data:` line before `id:`.
  // One write (one chunk) per event, ts_us taken just before it, I ms apart; the await
  // follows the adapter's backpressure ('drain' on the socket).
  app.get('/stream/sse', (c) => {
    const count = boundedInt(c.req.query('count'), 1, 100000);
    const interval = boundedInt(c.req.query('interval_ms'), 0, 10000, 0);
    if (count === undefined || interval === undefined) {
      throw new HTTPException(400, { message: 'count must be an integer in 1..=100000, interval_ms in 0..=10000' });
    }
    return streamSSE(c, async (stream) => {
      for (let i = 0; i < count; i++) {
        if (i > 0 && interval > 0) await stream.sleep(interval);
        if (stream.aborted) return;
        await stream.write(`id: ${i}\ndata: {"seq":${i},"ts_us":${nowUs()}}\n\n`);
      }
    });
  });

  app.onError((err, c) => {
    const status = err instanceof HTTPException ? err.status : 500;
    return c.json({ error: status < 500 ? err.message : 'Internal Server Error' }, status);
  });

  return app;
}

function serve() {
  const { serve: serveNode } = require('@hono/node-server');
  const app = buildApp();
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const server = serveNode({ fetch: app.fetch, port, hostname });
  server.on('error', (err) => {
    console.error(err);
    process.exit(1);
  });
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
