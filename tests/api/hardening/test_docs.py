"""``/docs`` works offline: Swagger UI's page and assets all come from mimeo itself."""

from __future__ import annotations

import re

from tests.api.hardening.conftest import App


async def test_the_docs_page_loads_nothing_from_another_origin(app: App) -> None:
    async with app.client(token=None) as anonymous:
        page = await anonymous.get("/docs")

    assert page.status_code == 200
    assert re.findall(r"""(?:src|href)=['"](https?:)?//""", page.text) == []


async def test_every_asset_the_docs_page_names_is_served(app: App) -> None:
    async with app.client(token=None) as anonymous:
        page = (await anonymous.get("/docs")).text
        assets = re.findall(r"""(?:src|href)=['"](/[^'"]+)['"]""", page)
        answers = [await anonymous.get(asset) for asset in assets]

    assert len(assets) >= 3  # script, stylesheet, icon
    assert [answer.status_code for answer in answers] == [200] * len(assets)


async def test_the_docs_page_reads_mimeos_own_openapi(app: App) -> None:
    async with app.client(token=None) as anonymous:
        page = (await anonymous.get("/docs")).text
        spec = await anonymous.get("/openapi.json")

    assert "'/openapi.json'" in page or '"/openapi.json"' in page
    assert spec.json()["info"]["title"] == "mimeo"
