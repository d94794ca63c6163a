'use strict';

// Express 5 benchmark app. Port from PORT (or --port N), workers from WORKERS
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

// Typed query values, converted the way an Express handler does it.
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

const INTEGER = /^-?\d+$/;

// An integer query value in [min, max] (the fallback when absent), or undefined when
// invalid. Express's "simple" parser gives a string, or an array for a repeated key.
function boundedInt(raw, min, max, fallback) {
  if (raw === undefined && fallback !== undefined) return fallback;
  if (typeof raw !== 'string' || !INTEGER.test(raw)) return undefined;
  const n = Number.parseInt(raw, 10);
  return n < min || n > max ? undefined : n;
}

function buildApp() {
  const express = require('express');
  const app = express();
  app.disable('x-powered-by'); // Express's production best-practice advice

  const json = express.json({ limit: '1mb' });
  const form = express.urlencoded({ extended: false });

  app.get('/health', (req, res) => {
    res.json({ status: 'ok' });
  });

  // Baseline
  app.get('/plaintext', (req, res) => {
    res.type('text/plain').send('Hello, World!');
  });
  app.get('/json', (req, res) => {
    res.json({ message: 'Hello, World!' });
  });

  // JSON bodies: parsed by express.json(), re-serialised by res.json().
  const echo = (req, res) => {
    res.json(req.body);
  };
  app.post('/json/small', json, echo);
  app.post('/json/medium', json, echo);
  app.post('/json/large', json, echo);
  app.post('/json/very-large', json, echo);

  // Path parameters
  app.get('/path/simple/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.get('/path/multiple/:user_id/:post_id', (req, res) => {
    res.json({ user_id: req.params.user_id, post_id: req.params.post_id });
  });
  app.get('/path/deep/:org/:team/:project/:resource/:id', (req, res) => {
    const { org, team, project, resource, id } = req.params;
    res.json({ org, team, project, resource, id });
  });
  // Express 5 (path-to-regexp 8) has no inline regex in route paths, so the
  // integer is validated and converted in the handler.
  app.get('/path/int/:id', (req, res) => {
    if (!/^-?\d+$/.test(req.params.id)) {
      res.status(400).json({ error: 'id must be an integer' });
      return;
    }
    res.json({ id: Number.parseInt(req.params.id, 10) });
  });
  app.get('/path/uuid/:uuid', (req, res) => {
    res.json({ uuid: req.params.uuid });
  });
  app.get('/path/date/:date', (req, res) => {
    res.json({ date: req.params.date });
  });

  // Query parameters: Express 5's default "simple" parser yields strings.
  app.get('/query/few', (req, res) => {
    const { q, page, limit } = req.query;
    res.json({ q, page: toInt(page), limit: toInt(limit) });
  });
  app.get('/query/medium', (req, res) => {
    const query = req.query;
    res.json({
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
  app.get('/query/many', (req, res) => {
    const query = req.query;
    res.json({
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

  // URL-encoded forms: express.urlencoded() parses any fields into strings.
  const echoForm = (req, res) => {
    res.json({ ...req.body });
  };
  app.post('/urlencoded/simple', form, echoForm);
  app.post('/urlencoded/complex', form, echoForm);

  // multipart/form-data: multer (on busboy) with memory storage keeps the files of field
  // `files` in req.files; each file's size is the bytes that arrived.
  const multer = require('multer');
  const upload = multer({ storage: multer.memoryStorage() }).array('files');
  const countFiles = (req, res) => {
    const files = req.files || [];
    res.json({ files_received: files.length, total_bytes: files.reduce((sum, f) => sum + f.size, 0) });
  };
  app.post('/multipart/small', upload, countFiles);
  app.post('/multipart/medium', upload, countFiles);
  app.post('/multipart/large', upload, countFiles);

  // SSE: GET /stream/sse?count=N&interval_ms=I sends N events `id: i` /
  // `data: {"seq":i,"ts_us":T}`, one res.write() (one chunk) each, ts_us taken just before
  // the write, I ms apart, then res.end().
  app.get('/stream/sse', async (req, res) => {
    const count = boundedInt(req.query.count, 1, 100000);
    const interval = boundedInt(req.query.interval_ms, 0, 10000, 0);
    if (count === undefined || interval === undefined) {
      res.status(400).json({ error: 'count must be an integer in 1..=100000, interval_ms in 0..=10000' });
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    for (let i = 0; i < count; i++) {
      if (i > 0 && interval > 0) await sleep(interval);
      if (res.destroyed) return;
      if (!res.write(`id: ${i}\ndata: {"seq":${i},"ts_us":${nowUs()}}\n\n`)) await drained(res);
    }
    res.end();
  });

  // Errors (malformed JSON, too-large bodies) answer JSON with their status,
  // without Express's default stack-trace logging.
  app.use((err, req, res, next) => {
    const status = err.status || err.statusCode || 500;
    res.status(status).json({ error: status < 500 ? err.message : 'Internal Server Error' });
  });

  return app;
}

function serve() {
  const app = buildApp();
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const server = app.listen(port, host, (err) => {
    if (err) {
      console.error(err);
      process.exit(1);
    }
  });
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
