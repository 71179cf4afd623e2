"""The app's routing: an unknown path gets a JSON 404 like every other error."""

from __future__ import annotations

import httpx


def test_unknown_path_is_json_404(http: httpx.Client) -> None:
    response = http.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"status": 404, "message": "Not Found"}
