"""A tiny HTTP/1.1 server for the harness's own failure tests (stdlib only).

MOCK_MODE picks the behaviour:
  ok        the baseline contract (/health, /plaintext, /json), POST /echo,
            POST /multipart/{small,medium,large} (files counted from the body) and
            GET /path/int/N ({"id": N})
  wrong     like ok, but /json answers {"message": "Hello"} (a contract violation),
            /multipart/* answer the contract's constants whatever was sent and
            /path/int/N answers {"id": 42} whatever N is (hard-coded)
  crash     like ok, but the process exits after MOCK_CRASH_AFTER requests to /plaintext
  slow      sleeps MOCK_DELAY seconds before listening, then like ok
  lag       like ok, but every answer waits MOCK_LAG_MS milliseconds first
If BH_TEST_PID_DIR is set, the process writes its PID there (tests check it is gone).
"""

import json
import os
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
        elif self.path.startswith("/path/int/") and self.path[10:].isdigit():
            self.reply(200, {"id": 42 if MODE == "wrong" else int(self.path[10:])})
        else:
            self.reply(404, {"error": "not found", "path": self.path})

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
