"""The web UI in a real browser: sign in, run a model from its generated form (an upload
included), watch text stream and an image render, cancel, find it all in the history.

Screenshots for the README are written to docs/screenshots/ as the tests pass through the
pages. Token creation and revocation, and a second account not seeing a private model, come
with the accounts work (they need its /v1/tokens and private models).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.conftest import ROOT, MimeoServer
from tests.web.conftest import WAIT_MS, sign_in

SCREENSHOTS = ROOT / "docs" / "screenshots"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def models(push_fixture: Callable[[str], str], mimeo_server: MimeoServer) -> None:
    """web-demo is made with a description first, as a person would, for Explore to show."""
    with mimeo_server.http() as http:
        http.post(
            "/v1/models",
            json={
                "owner": "fixtures",
                "name": "web-demo",
                "description": "Draws a small picture from a prompt (the web UI's test model)",
            },
        )  # 409 when another module pushed it first: then it has no description, which is fine
    for name in ("web-demo", "concat-stream", "sleep", "predict-raises", "outputs-list-path"):
        push_fixture(name)


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def png_upload(tmp_path: Path) -> Path:
    path = tmp_path / "start.png"
    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), (200, 30, 30)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_signing_in_takes_a_token_and_signing_out_ends_the_session(
    browser: Browser, mimeo_server: MimeoServer
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{mimeo_server.url}/predictions")
        expect(page).to_have_url(re.compile(r"/signin\?next=%2Fpredictions$"))
        page.get_by_label("API token").fill("not-a-token")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("does not open any account")

        page.get_by_label("API token").fill(mimeo_server.token)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(r"/predictions$"))
        cookie = next(c for c in context.cookies() if c["name"] == "mimeo_session")
        assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Lax")
        assert mimeo_server.token not in cookie["value"]

        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(re.compile(r"/signin$"))
        page.goto(f"{mimeo_server.url}/account")
        expect(page).to_have_url(re.compile(r"/signin\?next="))
    finally:
        context.close()


def test_a_form_posted_without_its_csrf_token_is_refused(
    signed_in: Page, mimeo_server: MimeoServer
) -> None:
    """The session cookie rides along (same browser), the page's token does not."""
    answer = signed_in.request.post(
        f"{mimeo_server.url}/fixtures/sleep/run", multipart={"seconds": "0"}
    )
    forged = signed_in.request.post(
        f"{mimeo_server.url}/fixtures/sleep/run",
        multipart={"seconds": "0", "csrf_token": "forged"},
    )

    assert (answer.status, forged.status) == (403, 403)


def test_explore_lists_the_models_and_searches_them(
    signed_in: Page, mimeo_server: MimeoServer
) -> None:
    signed_in.goto(f"{mimeo_server.url}/")
    expect(signed_in.get_by_role("link", name="fixtures/web-demo")).to_be_visible()
    screenshot(signed_in, "explore.png")

    signed_in.get_by_label("Search models").fill("concat")
    signed_in.get_by_role("button", name="Search").click()

    expect(signed_in.get_by_role("link", name="fixtures/concat-stream")).to_be_visible()
    expect(signed_in.get_by_role("link", name="fixtures/web-demo")).to_have_count(0)


def test_the_generated_form_runs_with_an_upload_and_renders_the_image(
    signed_in: Page, mimeo_server: MimeoServer, tmp_path: Path
) -> None:
    page = signed_in
    page.goto(f"{mimeo_server.url}/fixtures/web-demo")
    page.get_by_label("Prompt").fill("a red square at dusk")
    page.get_by_label("Image", exact=False).first.set_input_files(png_upload(tmp_path))
    expect(page.locator("#in-image-preview img")).to_be_visible()
    page.get_by_label("Steps", exact=True).fill("3")
    page.get_by_label("Palette").select_option("cool")

    page.get_by_role("button", name="Run").click()

    image = page.locator("#output img")
    expect(image).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#status")).to_have_text("succeeded")
    assert page.evaluate("document.querySelector('#output img').naturalWidth") == 240
    expect(page.locator("#logs")).to_contain_text("received image of")
    expect(page.locator("#logs")).to_contain_text("step 3/3")
    expect(page.locator("#predict-time")).to_have_text(re.compile(r"\d+\.\d\d s"))
    screenshot(page, "model-image.png")

    page.get_by_role("link", name="API", exact=True).click()
    python = page.locator("#code-python")
    expect(python).to_contain_text("'prompt': 'a red square at dusk'")
    expect(python).to_contain_text(f"base_url='{mimeo_server.url}'")
    expect(page.locator("#code-shell")).to_contain_text('"palette": "cool"')


def test_a_wrong_value_is_marked_on_its_field(signed_in: Page, mimeo_server: MimeoServer) -> None:
    """The server's 422, not the browser's own checks: those are switched off here."""
    page = signed_in
    page.goto(f"{mimeo_server.url}/fixtures/web-demo")
    page.evaluate("document.getElementById('run-form').noValidate = true")
    page.get_by_label("Steps", exact=True).fill("99")

    page.get_by_role("button", name="Run").click()

    expect(page.get_by_label("Steps", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#in-steps-error")).to_be_visible()
    expect(page.locator("#form-error")).to_contain_text("Input validation failed")


def test_text_streams_token_by_token(signed_in: Page, mimeo_server: MimeoServer) -> None:
    page = signed_in
    page.goto(f"{mimeo_server.url}/fixtures/concat-stream")
    page.get_by_label("N", exact=True).fill("60")
    page.get_by_label("Delay", exact=True).fill("0.05")

    page.get_by_role("button", name="Run").click()

    output = page.locator("#output .text")
    expect(output).to_contain_text("token3 ", timeout=WAIT_MS)
    assert page.locator("#status").inner_text() != "succeeded", "seen only once it ended"
    screenshot(page, "model-streaming.png")

    page.locator("#prediction-link").click()  # its own page picks the stream up
    expect(page).to_have_url(re.compile(r"/predictions/\w+$"))
    expect(page.locator("#status")).to_have_text("succeeded", timeout=WAIT_MS)
    expect(page.locator("#output .text")).to_have_text("".join(f"token{i} " for i in range(60)))
    expect(page.locator("#predict-time")).to_have_text(re.compile(r"\d+\.\d\d s"))


def test_a_running_prediction_is_canceled_from_its_page(
    signed_in: Page, mimeo_server: MimeoServer
) -> None:
    page = signed_in
    page.goto(f"{mimeo_server.url}/fixtures/sleep")
    page.get_by_label("Seconds", exact=True).fill("120")
    page.get_by_role("button", name="Run").click()

    cancel = page.get_by_role("button", name="Cancel")
    expect(cancel).to_be_visible()
    cancel.click()

    expect(page.locator("#status")).to_have_text("canceled", timeout=WAIT_MS)
    expect(cancel).to_be_hidden()


def test_the_history_holds_them_and_filters_by_status(
    signed_in: Page, mimeo_server: MimeoServer
) -> None:
    page = signed_in
    page.goto(f"{mimeo_server.url}/predictions")
    rows = page.locator("#history tbody tr")
    expect(rows.filter(has_text="fixtures/web-demo").first).to_contain_text("succeeded")
    expect(rows.filter(has_text="fixtures/sleep").first).to_contain_text("canceled")

    page.get_by_label("Status").select_option("canceled")
    page.get_by_role("button", name="Filter").click()

    expect(rows.filter(has_text="fixtures/web-demo")).to_have_count(0)
    rows.filter(has_text="fixtures/sleep").first.get_by_role("link").first.click()
    expect(page.locator("#status")).to_have_text("canceled")
    expect(page.get_by_role("heading", name=re.compile("^Prediction"))).to_be_visible()

    page.goto(f"{mimeo_server.url}/account")
    expect(page.get_by_role("img", name=re.compile("^Spent by model"))).to_be_visible()
    screenshot(page, "account.png")


def test_a_failed_prediction_shows_its_error_and_logs(
    signed_in: Page, mimeo_server: MimeoServer
) -> None:
    page = signed_in
    page.goto(f"{mimeo_server.url}/fixtures/predict-raises")
    page.get_by_role("button", name="Run").click()

    expect(page.locator("#status")).to_have_text("failed", timeout=WAIT_MS)
    expect(page.locator("#error")).to_contain_text("bad things happened")
    expect(page.locator("#logs")).to_contain_text("about to fail")


def test_a_list_of_files_is_offered_as_downloads(
    signed_in: Page, mimeo_server: MimeoServer
) -> None:
    page = signed_in
    page.goto(f"{mimeo_server.url}/fixtures/outputs-list-path")
    page.get_by_role("button", name="Run").click()

    expect(page.locator("#status")).to_have_text("succeeded", timeout=WAIT_MS)
    expect(page.locator("#output .gallery a[download]")).to_have_text(
        [re.compile(r"^Download \S+\.txt$")] * 2
    )


def test_a_model_page_fits_a_phone(browser: Browser, mimeo_server: MimeoServer) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        page = sign_in(context, mimeo_server)
        page.goto(f"{mimeo_server.url}/fixtures/web-demo")
        expect(page.get_by_role("button", name="Run")).to_be_visible()

        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
