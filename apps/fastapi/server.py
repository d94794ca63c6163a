"""FastAPI benchmark app: the HTTP contract of docs/WORKLOADS.md."""

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import Body, FastAPI, File, Query, Request, UploadFile, WebSocket
from fastapi.responses import PlainTextResponse, StreamingResponse

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


# --- baseline ---------------------------------------------------------------


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext() -> str:
    return "Hello, World!"


@app.get("/json")
async def json_hello() -> dict[str, str]:
    return {"message": "Hello, World!"}


# --- JSON bodies: parsed as generic JSON and returned ------------------------


@app.post("/json/small")
async def json_small(payload: Any = Body()) -> Any:
    return payload


@app.post("/json/medium")
async def json_medium(payload: Any = Body()) -> Any:
    return payload


@app.post("/json/large")
async def json_large(payload: Any = Body()) -> Any:
    return payload


@app.post("/json/very-large")
async def json_very_large(payload: Any = Body()) -> Any:
    return payload


# --- path parameters ----------------------------------------------------------


@app.get("/path/simple/{id}")
async def path_simple(id: str) -> dict[str, str]:
    return {"id": id}


@app.get("/path/multiple/{user_id}/{post_id}")
async def path_multiple(user_id: str, post_id: str) -> dict[str, str]:
    return {"user_id": user_id, "post_id": post_id}


@app.get("/path/deep/{org}/{team}/{project}/{resource}/{id}")
async def path_deep(org: str, team: str, project: str, resource: str, id: str) -> dict[str, str]:
    return {"org": org, "team": team, "project": project, "resource": resource, "id": id}


@app.get("/path/int/{id}")
async def path_int(id: int) -> dict[str, int]:
    return {"id": id}


@app.get("/path/uuid/{uuid}")
async def path_uuid(uuid: UUID) -> dict[str, UUID]:
    return {"uuid": uuid}


@app.get("/path/date/{date}")
async def path_date(date: date) -> dict[str, date]:
    return {"date": date}


# --- query parameters (typed by FastAPI) --------------------------------------


@app.get("/query/few")
async def query_few(q: str, page: int, limit: int) -> dict[str, Any]:
    return {"q": q, "page": page, "limit": limit}


@app.get("/query/medium")
async def query_medium(
    category: str,
    tags: str,
    min_price: float,
    max_price: float,
    sort: str,
    order: str,
    page: int,
    limit: int,
) -> dict[str, Any]:
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
async def query_many(
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
) -> dict[str, Any]:
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


@app.post("/urlencoded/simple")
async def urlencoded_simple(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


@app.post("/urlencoded/complex")
async def urlencoded_complex(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


# --- multipart uploads (suite `multipart`) ------------------------------------


async def _count_files(files: list[UploadFile]) -> dict[str, int]:
    total = 0
    for upload in files:
        total += len(await upload.read())
    return {"files_received": len(files), "total_bytes": total}


@app.post("/multipart/small")
async def multipart_small(files: list[UploadFile] = File()) -> dict[str, int]:
    return await _count_files(files)


@app.post("/multipart/medium")
async def multipart_medium(files: list[UploadFile] = File()) -> dict[str, int]:
    return await _count_files(files)


@app.post("/multipart/large")
async def multipart_large(files: list[UploadFile] = File()) -> dict[str, int]:
    return await _count_files(files)


# --- streaming: SSE and WebSocket echo ---------------------------------------


async def _sse_events(count: int, interval_ms: int) -> AsyncIterator[str]:
    # Starlette sends each chunk as soon as the generator yields it, so ts_us is
    # taken just before the event is written.
    for i in range(count):
        if i and interval_ms:
            await asyncio.sleep(interval_ms / 1000)
        yield f'id: {i}\ndata: {{"seq":{i},"ts_us":{time.time_ns() // 1000}}}\n\n'


@app.get("/stream/sse")
async def stream_sse(
    count: Annotated[int, Query(ge=1, le=100_000)],
    interval_ms: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> StreamingResponse:
    return StreamingResponse(
        _sse_events(count, interval_ms),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )


@app.websocket("/stream/ws")
async def stream_ws(websocket: WebSocket) -> None:
    await websocket.accept()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is not None:
            await websocket.send_text(message["text"])
        elif message.get("bytes") is not None:
            await websocket.send_bytes(message["bytes"])
