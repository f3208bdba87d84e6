"""`/metrics`: Prometheus text exposition, for a scraper holding USAGE_TRACKER_METRICS_TOKEN.

Unset token: the endpoint does not exist (404). Missing or wrong `Authorization: Bearer`: 401.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from usage_tracker.services.views.metrics import exposition
from usage_tracker.web.deps import DbSession

router = APIRouter(include_in_schema=False)


@router.get("/metrics", name="metrics")
def metrics(request: Request, db: DbSession) -> Response:
    token = request.app.state.settings.metrics_token
    if token is None:
        return PlainTextResponse("Not Found\n", status_code=404)
    header = request.headers.get("authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not given or not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
        return PlainTextResponse(
            "Send Authorization: Bearer <USAGE_TRACKER_METRICS_TOKEN>.\n",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return Response(
        exposition(db), media_type=CONTENT_TYPE_PLAIN_0_0_4, headers={"cache-control": "no-store"}
    )
