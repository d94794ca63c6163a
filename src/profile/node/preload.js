'use strict';
// benchmark-harness: in-process counters and CPU profiler for `profile --profiler node`.
// Loaded with `--require` through NODE_OPTIONS into every Node process of the server
// (the cluster primary and each worker). Talks to the harness through files in
// BH_NODE_PROFILE_DIR, one set per process, named by PID:
//   <pid>.ready        written at load: {pid, ppid, role} (role: main, or cluster worker)
//   SIGUSR2            resets the counters (SIGUSR1 belongs to the inspector)
//   <pid>.cmd          "SEQ COMMAND [ARG]", polled every 100 ms: dump | start | stop PATH | mark NAME
//   <pid>.SEQ.json     the answer to command SEQ, written to a temp file then renamed
// Signals other than SIGUSR2 are not used as triggers: a signal reaching a process that
// did not load this file (SIGUSR2 is only sent to PIDs with a ready file) would kill it.

(function main() {
  const dir = process.env.BH_NODE_PROFILE_DIR;
  if (!dir) return;
  const fs = require('node:fs');
  const path = require('node:path');
  const v8 = require('node:v8');
  const { monitorEventLoopDelay, PerformanceObserver, constants } = require('node:perf_hooks');

  const pid = process.pid;
  // NODE_UNIQUE_ID is gone from the environment by now; the cluster module has read it.
  const role = require('node:cluster').isWorker ? 'worker' : 'main';
  const RESOLUTION_MS = 10;
  const GC_KINDS = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };

  function writeAtomic(file, text) {
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }

  let heap;
  let gc;
  let since;
  const eld = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  eld.enable();

  function sampleHeap() {
    const s = v8.getHeapStatistics();
    heap.samples += 1;
    heap.used_sum += s.used_heap_size;
    heap.total_sum += s.total_heap_size;
    heap.used_peak = Math.max(heap.used_peak, s.used_heap_size);
    heap.total_peak = Math.max(heap.total_peak, s.total_heap_size);
  }

  function reset() {
    heap = { samples: 0, used_sum: 0, total_sum: 0, used_peak: 0, total_peak: 0 };
    gc = { count: 0, total_ms: 0, by_kind: {} };
    since = process.hrtime.bigint();
    eld.reset();
    sampleHeap();
  }
  reset();

  const heapTimer = setInterval(sampleHeap, 100);
  heapTimer.unref();

  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const code = e.detail ? e.detail.kind : e.kind;
      const kind = GC_KINDS[code] || `kind${code}`;
      const k = gc.by_kind[kind] || (gc.by_kind[kind] = { count: 0, ms: 0 });
      k.count += 1;
      k.ms += e.duration;
      gc.count += 1;
      gc.total_ms += e.duration;
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });

  function dump() {
    const n = eld.count === undefined ? (eld.max > 0 ? 1 : 0) : eld.count;
    return {
      pid,
      role,
      window_ms: Number(process.hrtime.bigint() - since) / 1e6,
      heap: {
        samples: heap.samples,
        used_mean_bytes: heap.used_sum / heap.samples,
        used_peak_bytes: heap.used_peak,
        total_mean_bytes: heap.total_sum / heap.samples,
        total_peak_bytes: heap.total_peak,
      },
      event_loop: {
        resolution_ms: RESOLUTION_MS,
        count: n,
        mean_ns: n > 0 ? eld.mean : null,
        p99_ns: n > 0 ? eld.percentile(99) : null,
        max_ns: n > 0 ? eld.max : null,
      },
      gc,
    };
  }

  // CPU profile of the profiling window, through the inspector API in this process.
  let session = null;
  let profiling = false;

  function startProfile(done) {
    const inspector = require('node:inspector');
    if (!session) {
      session = new inspector.Session();
      session.connect();
    }
    session.post('Profiler.enable', (e1) => {
      if (e1) return done(e1);
      session.post('Profiler.setSamplingInterval', { interval: 1000 }, () => {
        session.post('Profiler.start', (e2) => {
          profiling = !e2;
          done(e2);
        });
      });
    });
  }

  function stopProfile(file, done) {
    if (!session || !profiling) return done(new Error('the CPU profiler is not running'));
    session.post('Profiler.stop', (err, res) => {
      profiling = false;
      if (err) return done(err);
      try {
        writeAtomic(file, JSON.stringify(res.profile));
        session.post('Profiler.disable', () => done(null));
      } catch (e) {
        done(e);
      }
    });
  }

  // A window marker for the `--prof` tick profiler: a function named NAME, compiled and run
  // now, so the V8 log gets a `code-creation` event for it with the log's own timestamp.
  function mark(name) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name || '')) throw new Error(`bad marker name '${name}'`);
    require('node:vm').runInThisContext(`(function ${name}() { return 1; })`, { filename: 'bh-mark' })();
  }

  process.on('SIGUSR2', reset);

  const cmdFile = path.join(dir, `${pid}.cmd`);
  let lastSeq = 0;
  function answer(seq, body) {
    try {
      writeAtomic(path.join(dir, `${pid}.${seq}.json`), JSON.stringify(body));
    } catch (_) {
      // The harness times out and reports the process as silent.
    }
  }
  function poll() {
    let text;
    try {
      text = fs.readFileSync(cmdFile, 'utf8');
    } catch (_) {
      return;
    }
    const [seqText, command, ...rest] = text.trim().split(' ');
    const seq = Number.parseInt(seqText, 10);
    if (!(seq > lastSeq)) return;
    lastSeq = seq;
    const reply = (err, extra) =>
      answer(seq, err ? { ok: false, error: String(err && err.message ? err.message : err) } : { ok: true, ...extra });
    try {
      if (command === 'dump') reply(null, { stats: dump() });
      else if (command === 'reset') { reset(); reply(null, {}); }
      else if (command === 'start') startProfile((e) => reply(e, {}));
      else if (command === 'stop') stopProfile(rest.join(' '), (e) => reply(e, {}));
      else if (command === 'mark') { mark(rest[0]); reply(null, {}); }
      else reply(new Error(`unknown command '${command}'`));
    } catch (e) {
      reply(e);
    }
  }
  const pollTimer = setInterval(poll, 100);
  pollTimer.unref();

  // On SIGTERM/SIGINT: finish a running CPU profile and the counters, then exit through
  // process.exit() so exit hooks run (a plain signal death writes nothing). When the app
  // has its own handler, it decides when to exit.
  function onSignal(signal) {
    if (profiling) {
      stopProfile(path.join(dir, `${pid}.exit.cpuprofile`), () => {});
    }
    try {
      writeAtomic(path.join(dir, `${pid}.exit.json`), JSON.stringify(dump()));
    } catch (_) {
      // nothing more to save
    }
    if (process.listenerCount(signal) <= 1) process.exit();
  }
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    writeAtomic(path.join(dir, `${pid}.ready`), JSON.stringify({ pid, ppid: process.ppid, role }));
  } catch (_) {
    // Without a ready file the harness never signals this process.
  }
})();
