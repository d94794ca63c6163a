"""Litestar benchmark app: the HTTP contract of docs/WORKLOADS.md."""

import asyncio
import datetime
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from litestar import Litestar, MediaType, WebSocket, get, post, websocket
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

URLENCODED = Body(media_type=RequestEncodingType.URL_ENCODED)
MULTIPART = Body(media_type=RequestEncodingType.MULTI_PART)


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


# --- baseline ---------------------------------------------------------------


@get("/plaintext", media_type=MediaType.TEXT)
async def plaintext() -> str:
    return "Hello, World!"


@get("/json")
async def json_hello() -> dict[str, str]:
    return {"message": "Hello, World!"}


# --- JSON bodies: parsed as generic JSON and returned ------------------------


@post("/json/small", status_code=200)
async def json_small(data: Any) -> Any:
    return data


@post("/json/medium", status_code=200)
async def json_medium(data: Any) -> Any:
    return data


@post("/json/large", status_code=200)
async def json_large(data: Any) -> Any:
    return data


@post("/json/very-large", status_code=200)
async def json_very_large(data: Any) -> Any:
    return data


# --- path parameters ----------------------------------------------------------


@get("/path/simple/{id:str}")
async def path_simple(id: str) -> dict[str, str]:
    return {"id": id}


@get("/path/multiple/{user_id:str}/{post_id:str}")
async def path_multiple(user_id: str, post_id: str) -> dict[str, str]:
    return {"user_id": user_id, "post_id": post_id}


@get("/path/deep/{org:str}/{team:str}/{project:str}/{resource:str}/{id:str}")
async def path_deep(org: str, team: str, project: str, resource: str, id: str) -> dict[str, str]:
    return {"org": org, "team": team, "project": project, "resource": resource, "id": id}


@get("/path/int/{id:int}")
async def path_int(id: int) -> dict[str, int]:
    return {"id": id}


@get("/path/uuid/{uuid:uuid}")
async def path_uuid(uuid: UUID) -> dict[str, UUID]:
    return {"uuid": uuid}


@get("/path/date/{date:date}")
async def path_date(date: datetime.date) -> dict[str, datetime.date]:
    return {"date": date}


# --- query parameters (typed handler parameters) -----------------------------


@get("/query/few")
async def query_few(q: str, page: int, limit: int) -> dict[str, Any]:
    return {"q": q, "page": page, "limit": limit}


@get("/query/medium")
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


@get("/query/many")
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


@post("/urlencoded/simple", status_code=200)
async def urlencoded_simple(data: Annotated[dict[str, str], URLENCODED]) -> dict[str, str]:
    return data


@post("/urlencoded/complex", status_code=200)
async def urlencoded_complex(data: Annotated[dict[str, str], URLENCODED]) -> dict[str, str]:
    return data


# --- multipart uploads (suite `multipart`) ------------------------------------


@dataclass
class Upload:
    files: list[UploadFile]


async def _count_files(upload: Upload) -> dict[str, int]:
    total = 0
    for file in upload.files:
        total += len(await file.read())
    return {"files_received": len(upload.files), "total_bytes": total}


@post("/multipart/small", status_code=200)
async def multipart_small(data: Annotated[Upload, MULTIPART]) -> dict[str, int]:
    return await _count_files(data)


@post("/multipart/medium", status_code=200)
async def multipart_medium(data: Annotated[Upload, MULTIPART]) -> dict[str, int]:
    return await _count_files(data)


@post("/multipart/large", status_code=200)
async def multipart_large(data: Annotated[Upload, MULTIPART]) -> dict[str, int]:
    return await _count_files(data)


# --- streaming: SSE and WebSocket echo ---------------------------------------


async def _sse_events(count: int, interval_ms: int) -> AsyncIterator[ServerSentEventMessage]:
    # The Stream response sends each message as soon as it is yielded, so ts_us is
    # taken just before the event is written.
    for i in range(count):
        if i and interval_ms:
            await asyncio.sleep(interval_ms / 1000)
        yield ServerSentEventMessage(id=i, data=f'{{"seq":{i},"ts_us":{time.time_ns() // 1000}}}')


@get("/stream/sse")
async def stream_sse(
    count: Annotated[int, Parameter(ge=1, le=100_000)],
    interval_ms: Annotated[int, Parameter(ge=0, le=10_000)] = 0,
) -> ServerSentEvent:
    return ServerSentEvent(_sse_events(count, interval_ms))


@websocket("/stream/ws")
async def stream_ws(socket: WebSocket) -> None:
    await socket.accept()
    while True:
        message = await socket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is not None:
            await socket.send_text(message["text"])
        elif message.get("bytes") is not None:
            await socket.send_bytes(message["bytes"])


app = Litestar(
    route_handlers=[
        health,
        plaintext,
        json_hello,
        json_small,
        json_medium,
        json_large,
        json_very_large,
        path_simple,
        path_multiple,
        path_deep,
        path_int,
        path_uuid,
        path_date,
        query_few,
        query_medium,
        query_many,
        urlencoded_simple,
        urlencoded_complex,
        multipart_small,
        multipart_medium,
        multipart_large,
        stream_sse,
        stream_ws,
    ],
    openapi_config=None,
    debug=False,
)
