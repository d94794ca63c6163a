"""Spikard (Python binding) benchmark app: the HTTP contract of docs/WORKLOADS.md.

spikard 0.17's Python binding does not hand the ServerConfig below to the Rust
server (service.App.config only stores it), so the effective settings come from
the environment, which the manifest sets: $SPIKARD_SERVER_PORT (the harness's
port) and $TOKIO_WORKER_THREADS (the harness's worker count). The Rust server's
default host is 127.0.0.1. The config is still built here, the documented way,
so the app keeps working if a later release honours it.
"""

import datetime
import os
from typing import Any
from uuid import UUID

from spikard import App, Body, Response, ServerConfig

app = App(
    ServerConfig(
        host="127.0.0.1",
        port=int(os.environ.get("PORT", "8000")),
        workers=int(os.environ.get("TOKIO_WORKER_THREADS", "1")),
    )
)

JSON_HEADERS = {"content-type": "application/json"}


def json(value: Any) -> Response:
    # spikard 0.17 sends a returned dict as JSON but without a Content-Type
    # header; a Response with explicit headers gets one.
    return Response(content=value, headers=JSON_HEADERS)


@app.get("/health")
def health() -> Response:
    return json({"status": "ok"})


# --- baseline ---------------------------------------------------------------


@app.get("/plaintext")
def plaintext() -> Response:
    return Response(content="Hello, World!", headers={"content-type": "text/plain"})


@app.get("/json")
def json_hello() -> Response:
    return json({"message": "Hello, World!"})


# --- JSON bodies: parsed as generic JSON and returned ------------------------


@app.post("/json/small")
def json_small(payload: Body[dict[str, Any]]) -> Response:
    return json(payload)


@app.post("/json/medium")
def json_medium(payload: Body[dict[str, Any]]) -> Response:
    return json(payload)


@app.post("/json/large")
def json_large(payload: Body[dict[str, Any]]) -> Response:
    return json(payload)


@app.post("/json/very-large")
def json_very_large(payload: Body[dict[str, Any]]) -> Response:
    return json(payload)


# --- path parameters (typed, validated by the Rust core) ----------------------


@app.get("/path/simple/{id}")
def path_simple(id: str) -> Response:
    return json({"id": id})


@app.get("/path/multiple/{user_id}/{post_id}")
def path_multiple(user_id: str, post_id: str) -> Response:
    return json({"user_id": user_id, "post_id": post_id})


@app.get("/path/deep/{org}/{team}/{project}/{resource}/{id}")
def path_deep(org: str, team: str, project: str, resource: str, id: str) -> Response:
    return json({"org": org, "team": team, "project": project, "resource": resource, "id": id})


@app.get("/path/int/{id:int}")
def path_int(id: int) -> Response:
    return json({"id": id})


@app.get("/path/uuid/{uuid:uuid}")
def path_uuid(uuid: UUID) -> Response:
    return json({"uuid": uuid})


@app.get("/path/date/{date}")
def path_date(date: datetime.date) -> Response:
    return json({"date": date})


# --- query parameters (typed, validated by the Rust core) ---------------------


@app.get("/query/few")
def query_few(q: str, page: int, limit: int) -> Response:
    return json({"q": q, "page": page, "limit": limit})


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
) -> Response:
    return json({
        "category": category,
        "tags": tags,
        "min_price": min_price,
        "max_price": max_price,
        "sort": sort,
        "order": order,
        "page": page,
        "limit": limit,
    })


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
) -> Response:
    return json({
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
    })


# --- urlencoded forms: parsed by the Rust core into a generic body -------------
# The body is declared untyped on purpose: with a dict schema (dict[str, Any] or
# dict[str, str]) spikard 0.17 coerces form values to numbers and booleans before
# validation ("30" -> 30, "true" -> true, "007" -> 7; with dict[str, str] the
# request is then rejected with 422). Untyped, the decoded strings are kept.


@app.post("/urlencoded/simple")
def urlencoded_simple(form: Body[Any]) -> Response:
    return json(form)


@app.post("/urlencoded/complex")
def urlencoded_complex(form: Body[Any]) -> Response:
    return json(form)


# --- multipart uploads (suite `multipart`) ------------------------------------
# The upload body is a generic object: spikard 0.17 validates `files: list[UploadFile]`
# against a JSON array, so a request with a single file is rejected (422), and
# with `list[UploadFile] | UploadFile` several files collapse into the last one.
# Declared as a generic object (without any schema the Rust core keeps only the
# last of several same-named parts), it hands over one file as a dict and several
# as a list of dicts ({"filename", "content_type", "size", "content"}). The size
# is the one the Rust core measured: it passes large file contents to Python as
# a placeholder string, so the content itself cannot be counted.


def _count_files(form: dict[str, Any]) -> Response:
    files = form.get("files") or []
    if isinstance(files, dict):
        files = [files]
    return json({"files_received": len(files), "total_bytes": sum(f["size"] for f in files)})


@app.post("/multipart/small")
def multipart_small(form: Body[dict[str, Any]]) -> Response:
    return _count_files(form)


@app.post("/multipart/medium")
def multipart_medium(form: Body[dict[str, Any]]) -> Response:
    return _count_files(form)


@app.post("/multipart/large")
def multipart_large(form: Body[dict[str, Any]]) -> Response:
    return _count_files(form)


if __name__ == "__main__":
    app.run()
