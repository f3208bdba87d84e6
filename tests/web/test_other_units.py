"""Models measured in images or audio are not shown as zero-token models: the tokens-by-kind
chart leaves them out and names them, and the tables say "not measured in tokens", not 0."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.ledger_helpers import bucket, completion, page, write_json
from usage_tracker.services.ledger.imports import import_file

RANGE = "?org=acme&since=2024-07-01&until=2024-07-01"


def test_image_models_are_named_not_drawn_as_zero_tokens(
    admin: TestClient, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    chat = page([bucket(0, [completion(4, 1_000, 200, model="gpt-4o")])])
    images = page([bucket(0, [{"object": "organization.usage.images.result", "images": 6,
                               "num_model_requests": 3, "model": "dall-e-3"}])])  # fmt: skip
    import_file(session_factory, "acme", write_json(tmp_path / "chat.json", chat))
    import_file(session_factory, "acme", write_json(tmp_path / "images.json", images))
    text = admin.get("/models" + RANGE).text
    spec = json.loads(
        html.unescape(re.search(r'id="chart-kinds">(.*?)</script>', text, re.S).group(1))  # type: ignore[union-attr]
    )
    assert spec["bands"]["values"] == ["gpt-4o"]  # no empty bar for the image model
    assert spec["series"][0]["values"] == [1_000] and spec["series"][2]["values"] == [200]
    assert "Not measured in tokens (images, audio): dall-e-3." in spec["note"]
    kinds = re.search(r'data-kinds-row="dall-e-3">.*?</tr>', text, re.S)
    assert kinds and "data-other-units" in kinds.group(0) and ">0<" not in kinds.group(0)
    row = re.search(r'<tr data-row>\s*<th scope="row" data-value="dall-e-3">.*?</tr>', text, re.S)
    assert row and "data-other-units" in row.group(0)
    chat_row = re.search(r'<th scope="row" data-value="gpt-4o">.*?</tr>', text, re.S)
    assert chat_row and 'data-value="1200">1,200<' in chat_row.group(0)
