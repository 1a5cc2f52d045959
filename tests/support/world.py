"""The query API's world: one archive with a building and a tax document, and tokens to read it.

Built by the `world` fixture in tests/eakte/web/conftest.py; what tests name of it is here.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from archive.store import Archive

BAU_AZ = "63-BG-2024-0117"
TAX_AZ = "22-GS-2024-00012"


@dataclass
class World:
    client: TestClient
    archive: Archive
    ids: dict[str, str]
    tokens: dict[str, str]

    def get(self, path: str, token: str | None = "bau", **params: object):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {self.tokens[token]}"} if token else {}
        return self.client.get(path, params=params, headers=headers)
