"""A tiny HTTP/1.1 server for the harness's own failure tests (stdlib only).

MOCK_MODE picks the behaviour:
  ok        the baseline contract (/health, /plaintext, /json), POST /echo,
            POST /multipart/{small,medium,large} (files counted from the body),
            GET /path/int/N ({"id": N}) and the streaming contract: GET /stream/sse?count=N
            [&interval_ms=I] (N events, chunked) and GET /stream/ws (WebSocket echo)
  wrong     like ok, but /json answers {"message": "Hello"} (a contract violation),
            /multipart/* answer the contract's constants whatever was sent,
            /path/int/N answers {"id": 42} whatever N is (hard-coded), /stream/sse sends
            100 events whatever the count and /stream/ws changes the last byte of each
            text message it echoes
  crash     like ok, but the process exits after MOCK_CRASH_AFTER requests to /plaintext
  slow      sleeps MOCK_DELAY seconds before listening, then like ok
  lag       like ok, but every answer waits MOCK_LAG_MS milliseconds first
If BH_TEST_PID_DIR is set, the process writes its PID there (tests check it is gone).
"""

import base64
import hashlib
import json
import os
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = os.environ.get("MOCK_MODE", "ok")
CRASH_AFTER = int(os.environ.get("MOCK_CRASH_AFTER", "200"))
LAG = float(os.environ.get("MOCK_LAG_MS", "0")) / 1000.0
served = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype="application/json"):
        if LAG:
            time.sleep(LAG)
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        global served
        if self.path == "/health":
            self.reply(200, {"status": "ok"})
        elif self.path == "/plaintext":
            served += 1
            if MODE == "crash" and served > CRASH_AFTER:
                sys.stderr.write("mock: crashing on purpose after %d requests\n" % CRASH_AFTER)
                sys.stderr.flush()
                os._exit(3)
            self.reply(200, b"Hello, World!", "text/plain")
        elif self.path == "/json":
            message = "Hello" if MODE == "wrong" else "Hello, World!"
            self.reply(200, {"message": message})
        elif self.path.startswith("/stream/sse"):
            self.stream_sse()
        elif self.path == "/stream/ws":
            self.stream_ws()
        elif self.path.startswith("/path/int/") and self.path[10:].isdigit():
            self.reply(200, {"id": 42 if MODE == "wrong" else int(self.path[10:])})
        else:
            self.reply(404, {"error": "not found", "path": self.path})

    def stream_sse(self):
        """The SSE contract: `count` events, `interval_ms` apart, as chunks."""
        query = dict(p.split("=", 1) for p in self.path.partition("?")[2].split("&") if "=" in p)
        try:
            count, interval = int(query.get("count", "")), int(query.get("interval_ms", "0"))
        except ValueError:
            return self.reply(400, {"error": "count and interval_ms must be integers"})
        if MODE == "wrong":
            count = 100  # a constant stream
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        pending = []
        for i in range(count):
            if interval and i:
                time.sleep(interval / 1000.0)
            ts = time.time_ns() // 1000
            pending.append(b'id: %d\ndata: {"seq":%d,"ts_us":%d}\n\n' % (i, i, ts))
            if interval or len(pending) == 50 or i == count - 1:
                data = b"".join(pending)
                pending = []
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.write(b"0\r\n\r\n")

    def stream_ws(self):
        """The WebSocket contract: echo text and binary messages, answer close with close."""
        key = self.headers.get("Sec-WebSocket-Key", "")
        guid = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
        accept = base64.b64encode(hashlib.sha1(key.encode() + guid).digest()).decode()
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.close_connection = True
        while True:
            frame = read_frame(self.rfile)
            if frame is None:
                return
            opcode, payload = frame
            if opcode == 0x8:
                self.wfile.write(ws_frame(0x8, payload[:2]))
                return
            if opcode == 0x9:
                self.wfile.write(ws_frame(0xA, payload))
            elif opcode in (0x1, 0x2):
                if MODE == "wrong" and opcode == 0x1 and payload:
                    payload = payload[:-1] + (b"#" if payload[-1:] != b"#" else b"%")
                self.wfile.write(ws_frame(opcode, payload))

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/echo":
            self.reply(200, json.loads(body))
        elif self.path.startswith("/multipart/"):
            if MODE == "wrong":
                constants = {"small": (1, 1024), "medium": (2, 10240), "large": (5, 102400)}
                n, total = constants.get(self.path.rsplit("/", 1)[1], (0, 0))
                self.reply(200, {"files_received": n, "total_bytes": total})
            else:
                self.reply(200, count_files(self.headers.get("Content-Type", ""), body))
        else:
            self.reply(404, {"error": "not found"})


def count_files(content_type, body):
    """Counts the file parts of field `files` in a multipart body and their bytes."""
    boundary = content_type.split("boundary=", 1)[1].encode()
    files = total = 0
    for part in body.split(b"\r\n--" + boundary)[:-1]:
        head, _, content = part.partition(b"\r\n\r\n")
        if b'name="files"' in head and b"filename=" in head:
            files += 1
            total += len(content)
    return {"files_received": files, "total_bytes": total}


def read_frame(rfile):
    """One whole (unfragmented) client frame: (opcode, unmasked payload), or None at EOF."""
    head = rfile.read(2)
    if len(head) < 2:
        return None
    opcode, length = head[0] & 0x0F, head[1] & 0x7F
    if length == 126:
        length = struct.unpack(">H", rfile.read(2))[0]
    elif length == 127:
        length = struct.unpack(">Q", rfile.read(8))[0]
    mask = rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
    data = rfile.read(length)
    if len(data) < length:
        return None
    return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def ws_frame(opcode, payload):
    """An unmasked final server frame."""
    n = len(payload)
    if n < 126:
        head = struct.pack(">BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack(">BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack(">BBQ", 0x80 | opcode, 127, n)
    return head + payload


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog (5) drops connections when several clients (shards,
    # parallel tests) connect at once on a busy machine.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        pass  # clients that hang up at the end of a load are normal


def main():
    pid_dir = os.environ.get("BH_TEST_PID_DIR")
    if pid_dir:
        open(os.path.join(pid_dir, str(os.getpid())), "w").close()
    if MODE == "slow":
        print("mock: sleeping before listening", flush=True)
        time.sleep(float(os.environ.get("MOCK_DELAY", "2")))
    port = int(os.environ["PORT"])
    server = Server(("127.0.0.1", port), Handler)
    print("mock: listening on %d (%s)" % (port, MODE), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
