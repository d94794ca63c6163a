"""Robyn benchmark app: the HTTP contract of docs/WORKLOADS.md.

Started as `python app.py --processes N --workers 1 --log-level WARNING --disable-openapi`;
Robyn reads those flags itself. The port comes from $PORT (set by the harness).
"""

import asyncio
import os
import signal
import time
from datetime import date
from urllib.parse import parse_qsl
from uuid import UUID

from robyn import Request, Response, Robyn, SSEMessage, SSEResponse
from robyn.types import Files, JsonBody

app = Robyn(__file__)


@app.get("/health")
def health():
    return {"status": "ok"}


# --- baseline ---------------------------------------------------------------


@app.get("/plaintext")
def plaintext():
    return Response(200, {"Content-Type": "text/plain"}, "Hello, World!")


@app.get("/json")
def json_hello():
    return {"message": "Hello, World!"}


# --- JSON bodies: parsed as generic JSON (request.json()) and returned --------


@app.post("/json/small")
def json_small(payload: JsonBody):
    return payload


@app.post("/json/medium")
def json_medium(payload: JsonBody):
    return payload


@app.post("/json/large")
def json_large(payload: JsonBody):
    return payload


@app.post("/json/very-large")
def json_very_large(payload: JsonBody):
    return payload


# --- path parameters (Robyn coerces annotated handler params) -----------------


@app.get("/path/simple/:id")
def path_simple(id: str):
    return {"id": id}


@app.get("/path/multiple/:user_id/:post_id")
def path_multiple(user_id: str, post_id: str):
    return {"user_id": user_id, "post_id": post_id}


@app.get("/path/deep/:org/:team/:project/:resource/:id")
def path_deep(org: str, team: str, project: str, resource: str, id: str):
    return {"org": org, "team": team, "project": project, "resource": resource, "id": id}


@app.get("/path/int/:id")
def path_int(id: int):
    return {"id": id}


@app.get("/path/uuid/:uuid")
def path_uuid(uuid: UUID):
    return {"uuid": str(uuid)}


@app.get("/path/date/:day")
def path_date(day: str):
    # Robyn coerces by calling the annotated type on the string, which works for
    # int/float/bool/UUID but not for datetime.date: parse it here instead.
    return {"date": date.fromisoformat(day).isoformat()}


# --- query parameters (typed handler params, coerced by Robyn) ----------------


@app.get("/query/few")
def query_few(q: str, page: int, limit: int):
    return {"q": q, "page": page, "limit": limit}


@app.get("/query/medium")
def query_medium(
    category: str,
    tags: str,
    min_price: float,
    max_price: float,
    sort: str,
    order: str,
    page: int,
    limit: int,
):
    return {
        "category": category,
        "tags": tags,
        "min_price": min_price,
        "max_price": max_price,
        "sort": sort,
        "order": order,
        "page": page,
        "limit": limit,
    }


@app.get("/query/many")
def query_many(
    q: str,
    page: int,
    limit: int,
    sort: str,
    order: str,
    filter: str,
    category: str,
    subcategory: str,
    brand: str,
    min_price: float,
    max_price: float,
    rating: int,
    verified: bool,
    in_stock: bool,
    shipping: str,
    color: str,
):
    return {
        "q": q,
        "page": page,
        "limit": limit,
        "sort": sort,
        "order": order,
        "filter": filter,
        "category": category,
        "subcategory": subcategory,
        "brand": brand,
        "min_price": min_price,
        "max_price": max_price,
        "rating": rating,
        "verified": verified,
        "in_stock": in_stock,
        "shipping": shipping,
        "color": color,
    }


# --- urlencoded forms: parsed generically (any fields) ------------------------
# Robyn fills request.form_data only for multipart/form-data bodies; for
# application/x-www-form-urlencoded it stays empty, so decode the body with the
# standard library, as a Robyn user has to.


def _parse_form(request: Request) -> dict[str, str]:
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    return dict(parse_qsl(body, keep_blank_values=True))


@app.post("/urlencoded/simple")
def urlencoded_simple(request: Request):
    return _parse_form(request)


@app.post("/urlencoded/complex")
def urlencoded_complex(request: Request):
    return _parse_form(request)


# --- multipart uploads (suite `multipart`) ------------------------------------


def _count_files(files):
    return {"files_received": len(files), "total_bytes": sum(len(data) for data in files.values())}


@app.post("/multipart/small")
def multipart_small(uploads: Files):
    return _count_files(uploads)


@app.post("/multipart/medium")
def multipart_medium(uploads: Files):
    return _count_files(uploads)


@app.post("/multipart/large")
def multipart_large(uploads: Files):
    return _count_files(uploads)


# --- streaming: SSE (suite `streaming`) --------------------------------------
# Robyn's SSEResponse (a StreamingResponse with media type text/event-stream)
# sends each chunk the generator yields as it is produced. SSEMessage(data,
# id=...) writes exactly `id: i\ndata: ...\n\n`. The async generator is driven
# on the handler's event loop by Robyn's AsyncGeneratorWrapper.


def _int_param(request: Request, name: str, default: int | None, lo: int, hi: int) -> int | None:
    raw = request.query_params.get(name, None)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if lo <= value <= hi else None


async def _sse_events(count: int, interval_ms: int):
    for i in range(count):
        if i and interval_ms:
            await asyncio.sleep(interval_ms / 1000)
        # ts_us taken just before the event is handed to Robyn.
        yield SSEMessage(f'{{"seq":{i},"ts_us":{time.time_ns() // 1000}}}', id=str(i))


@app.get("/stream/sse")
async def stream_sse(request: Request):
    count = _int_param(request, "count", None, 1, 100_000)
    interval_ms = _int_param(request, "interval_ms", 0, 0, 10_000)
    if count is None or interval_ms is None:
        return Response(400, {"Content-Type": "text/plain"}, "count must be 1..100000, interval_ms 0..10000")
    return SSEResponse(_sse_events(count, interval_ms))


def _exit_on_sigterm(signum, frame):
    raise SystemExit(0)


if __name__ == "__main__":
    # With --processes 1 Robyn serves from this process and actix's own SIGTERM
    # handling stops the HTTP server but leaves the Python event loop running, so
    # the process never exits. Exit on SIGTERM ourselves (with --processes > 1
    # Robyn installs its own handler, which kills the worker processes).
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    # _check_port=False: if the port is taken, fail instead of prompting on stdin.
    app.start(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")), _check_port=False)
