"""Static files under content-hashed URLs, cached for a year, gzip-compressed once in memory."""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response

STATIC_DIR = Path(__file__).parent / "static"


@dataclass
class Asset:
    path: Path
    digest: str
    media_type: str
    gzipped: bytes | None = field(default=None, repr=False)

    def body(self, gzip_ok: bool) -> tuple[bytes, bool]:
        raw = self.path.read_bytes()
        if not gzip_ok or len(raw) < 1024:
            return raw, False
        if self.gzipped is None:
            self.gzipped = gzip.compress(raw, compresslevel=6, mtime=0)
        return self.gzipped, True


class Assets:
    def __init__(self) -> None:
        files = {p.name: p for p in STATIC_DIR.iterdir() if p.is_file()}
        self.files: dict[str, Asset] = {}
        for name, path in files.items():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            media = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if media.startswith("text/") or media.endswith("javascript"):
                media += "; charset=utf-8"
            self.files[name] = Asset(path, digest, media)

    def url(self, name: str) -> str:
        return f"/static/{self.files[name].digest}/{name}"


router = APIRouter()


@router.get("/static/{digest}/{name}", include_in_schema=False, name="static")
def static_file(digest: str, name: str, request: Request) -> Response:
    assets: Assets = request.app.state.assets
    asset = assets.files.get(name)
    if asset is None or asset.digest != digest:
        raise HTTPException(status_code=404)
    etag = f'"{asset.digest}"'
    headers = {
        "cache-control": "public, max-age=31536000, immutable",
        "etag": etag,
        "vary": "accept-encoding",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    body, gzipped = asset.body("gzip" in request.headers.get("accept-encoding", ""))
    if gzipped:
        headers["content-encoding"] = "gzip"
    return Response(body, media_type=asset.media_type, headers=headers)
