'use strict';

// Node's own http module, no framework: the Node floor. Port from PORT (or --port N),
// workers from WORKERS (or --workers N): one process when 1, node:cluster with N
// workers otherwise. JSON via JSON.parse/JSON.stringify, URLs via new URL and
// URLSearchParams, typed query values converted by hand, multipart/form-data via
// Node's built-in WHATWG Response.formData() (undici, part of Node itself).
// Streaming: SSE written by hand on the response; WebSocket echo with the `ws` package
// (the one dependency; Node has no WebSocket server of its own).

const cluster = require('node:cluster');
const http = require('node:http');
const { setTimeout: sleep } = require('node:timers/promises');
const { WebSocketServer } = require('ws');

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
const BODY_LIMIT = 1024 * 1024; // 1 MiB

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function send(res, status, contentType, payload) {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

function sendJson(res, value, status = 200) {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function readBuffer(req) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > BODY_LIMIT) {
      reject(new HttpError(413, 'request body too large'));
      req.resume();
      return;
    }
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        reject(new HttpError(413, 'request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function readBody(req) {
  return (await readBuffer(req)).toString('utf8');
}

function mediaType(req) {
  return (req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
}

async function readJson(req) {
  if (mediaType(req) !== 'application/json') {
    throw new HttpError(415, 'expected application/json');
  }
  const text = await readBody(req);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid JSON body');
  }
}

async function readForm(req) {
  if (mediaType(req) !== 'application/x-www-form-urlencoded') {
    throw new HttpError(415, 'expected application/x-www-form-urlencoded');
  }
  return Object.fromEntries(new URLSearchParams(await readBody(req)));
}

// multipart/form-data: Node's built-in Response.formData() parses the body; the files of
// field `files` are counted and their sizes summed.
async function countFiles(req) {
  if (mediaType(req) !== 'multipart/form-data') {
    throw new HttpError(415, 'expected multipart/form-data');
  }
  const body = await readBuffer(req);
  let form;
  try {
    form = await new Response(body, { headers: { 'content-type': req.headers['content-type'] } }).formData();
  } catch {
    throw new HttpError(400, 'invalid multipart body');
  }
  const files = form.getAll('files').filter((value) => typeof value !== 'string');
  return { files_received: files.length, total_bytes: files.reduce((sum, file) => sum + file.size, 0) };
}

// Typed query values, converted by hand. Missing values stay undefined
// (and are left out of the JSON answer).
function toInt(value) {
  if (value === null) return undefined;
  const n = Number.parseInt(value, 10);
  return Number.isNaN(n) ? undefined : n;
}
function toNumber(value) {
  if (value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isNaN(n) ? undefined : n;
}
function toBool(value) {
  if (value === null) return undefined;
  return value === 'true' || value === '1';
}
function str(value) {
  return value === null ? undefined : value;
}

const INTEGER = /^-?\d+$/;

// GET routes by path segments: returns the JSON answer, or undefined for no match.
function getRoute(segments, query) {
  const [first, second] = segments;
  const n = segments.length;
  if (first === 'path') {
    if (second === 'simple' && n === 3) return { id: segments[2] };
    if (second === 'multiple' && n === 4) return { user_id: segments[2], post_id: segments[3] };
    if (second === 'deep' && n === 7) {
      const [, , org, team, project, resource, id] = segments;
      return { org, team, project, resource, id };
    }
    if (second === 'int' && n === 3) {
      if (!INTEGER.test(segments[2])) throw new HttpError(400, 'id must be an integer');
      return { id: Number.parseInt(segments[2], 10) };
    }
    if (second === 'uuid' && n === 3) return { uuid: segments[2] };
    if (second === 'date' && n === 3) return { date: segments[2] };
    return undefined;
  }
  if (first === 'query' && n === 2) {
    const q = (name) => query.get(name);
    if (second === 'few') {
      return { q: str(q('q')), page: toInt(q('page')), limit: toInt(q('limit')) };
    }
    if (second === 'medium') {
      return {
        category: str(q('category')),
        tags: str(q('tags')),
        min_price: toNumber(q('min_price')),
        max_price: toNumber(q('max_price')),
        sort: str(q('sort')),
        order: str(q('order')),
        page: toInt(q('page')),
        limit: toInt(q('limit')),
      };
    }
    if (second === 'many') {
      return {
        q: str(q('q')),
        page: toInt(q('page')),
        limit: toInt(q('limit')),
        sort: str(q('sort')),
        order: str(q('order')),
        filter: str(q('filter')),
        category: str(q('category')),
        subcategory: str(q('subcategory')),
        brand: str(q('brand')),
        min_price: toNumber(q('min_price')),
        max_price: toNumber(q('max_price')),
        rating: toNumber(q('rating')),
        verified: toBool(q('verified')),
        in_stock: toBool(q('in_stock')),
        shipping: str(q('shipping')),
        color: str(q('color')),
      };
    }
  }
  return undefined;
}

const POST_ROUTES = {
  '/json/small': readJson,
  '/json/medium': readJson,
  '/json/large': readJson,
  '/json/very-large': readJson,
  '/urlencoded/simple': readForm,
  '/urlencoded/complex': readForm,
  '/multipart/small': countFiles,
  '/multipart/medium': countFiles,
  '/multipart/large': countFiles,
};

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

// An integer query value in [min, max], or a 400.
function boundedInt(query, name, min, max, fallback) {
  const raw = query.get(name);
  if (raw === null && fallback !== undefined) return fallback;
  if (raw === null || !INTEGER.test(raw)) throw new HttpError(400, `${name} must be an integer`);
  const n = Number.parseInt(raw, 10);
  if (n < min || n > max) throw new HttpError(400, `${name} must be in ${min}..=${max}`);
  return n;
}

// GET /stream/sse?count=N&interval_ms=I: N events `id: i` / `data: {"seq":i,"ts_us":T}`,
// one res.write() (one chunk) each, ts_us taken just before the write, I ms apart.
async function streamSse(res, query) {
  const count = boundedInt(query, 'count', 1, 100000);
  const interval = boundedInt(query, 'interval_ms', 0, 10000, 0);
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  for (let i = 0; i < count; i++) {
    if (i > 0 && interval > 0) await sleep(interval);
    if (res.destroyed) return;
    if (!res.write(`id: ${i}\ndata: {"seq":${i},"ts_us":${nowUs()}}\n\n`)) await drained(res);
  }
  res.end();
}

// /stream/ws: text back as text, binary back as binary, in order; ws answers the
// client's close frame itself. Upgrades for any other path are refused.
const wss = new WebSocketServer({ noServer: true });
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});

function onUpgrade(req, socket, head) {
  if (req.url.split('?')[0] !== '/stream/ws') {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const pathname = url.pathname;

  if (req.method === 'GET' || req.method === 'HEAD') {
    if (pathname === '/health') return sendJson(res, { status: 'ok' });
    if (pathname === '/plaintext') return send(res, 200, 'text/plain; charset=utf-8', 'Hello, World!');
    if (pathname === '/json') return sendJson(res, { message: 'Hello, World!' });
    if (pathname === '/stream/sse') return streamSse(res, url.searchParams);
    const segments = pathname.split('/').slice(1).map(decodeURIComponent);
    const answer = getRoute(segments, url.searchParams);
    if (answer !== undefined) return sendJson(res, answer);
  } else if (req.method === 'POST') {
    const read = POST_ROUTES[pathname];
    if (read) return sendJson(res, await read(req));
  }
  throw new HttpError(404, 'not found');
}

function onRequest(req, res) {
  handle(req, res).catch((err) => {
    let status = err instanceof HttpError ? err.status : 500;
    if (err instanceof URIError) status = 400;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, { error: status < 500 ? err.message : 'Internal Server Error' }, status);
  });
}

function serve() {
  const server = http.createServer(onRequest);
  server.on('upgrade', onUpgrade);
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  server.on('error', (err) => {
    console.error(err);
    process.exit(1);
  });
  server.listen(port, host);
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
