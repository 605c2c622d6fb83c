"""How a Cog prediction ends, as the official client sees it through mimeo: a failing setup(),
an exception in predict(), what the predictor printed, and the prediction's timing."""

from __future__ import annotations

from datetime import datetime

import pytest
import replicate
from replicate.prediction import Prediction

from tests.compat.conftest import BareCog, Push


def finished(client: replicate.Client, push_fixture: Push, fixture: str) -> Prediction:
    prediction: Prediction = client.predictions.create(version=push_fixture(fixture), input={})
    prediction.wait()
    return prediction


@pytest.fixture(scope="module")
def setup_failed(client: replicate.Client, push_fixture: Push) -> Prediction:
    return finished(client, push_fixture, "setup-fails")


@pytest.fixture(scope="module")
def predict_raised(client: replicate.Client, push_fixture: Push) -> Prediction:
    return finished(client, push_fixture, "predict-raises")


@pytest.fixture(scope="module")
def succeeded(client: replicate.Client, push_fixture: Push) -> Prediction:
    return finished(client, push_fixture, "logs")


def test_a_failing_setup_fails_the_prediction(setup_failed: Prediction) -> None:
    assert setup_failed.status == "failed"
    assert "setup" in (setup_failed.error or "").lower()


def test_a_failing_setup_reports_what_setup_raised_in_the_logs(setup_failed: Prediction) -> None:
    """coglet 0.23.1 loses what setup() prints just before it raises (its stdout reader races
    the dying worker; the bare server shows no more), so the exception is what there is."""
    assert "RuntimeError: weights are missing" in (setup_failed.logs or "")


def test_an_exception_in_predict_fails_with_its_message(predict_raised: Prediction) -> None:
    assert predict_raised.status == "failed"
    assert predict_raised.error == "ValueError: bad things happened"  # coglet's wording


def test_an_exception_in_predict_keeps_what_was_printed_before(predict_raised: Prediction) -> None:
    assert "about to fail" in (predict_raised.logs or "")


def test_a_failed_prediction_has_the_bare_cog_servers_error(
    predict_raised: Prediction, bare_cog: BareCog
) -> None:
    reference = bare_cog.predict("predict-raises", {})

    assert reference["status"] == "failed"
    assert (reference["error"] or "").endswith(predict_raised.error or "<no error>")


@pytest.mark.parametrize(
    "line", ["stdout line 1", "stdout line 2", "stdout line 3", "stderr line 1"]
)
def test_printed_lines_are_in_the_prediction_logs(succeeded: Prediction, line: str) -> None:
    assert line in (succeeded.logs or "").splitlines()


def test_stdout_lines_keep_their_order(succeeded: Prediction) -> None:
    lines = [line for line in (succeeded.logs or "").splitlines() if line.startswith("stdout")]

    assert lines == ["stdout line 1", "stdout line 2", "stdout line 3"]


def test_a_succeeded_prediction_has_its_output(succeeded: Prediction) -> None:
    assert (succeeded.status, succeeded.output, succeeded.error) == ("succeeded", "done", None)


def test_predict_time_is_a_positive_number(succeeded: Prediction) -> None:
    predict_time = (succeeded.metrics or {}).get("predict_time")

    assert isinstance(predict_time, float)
    assert predict_time > 0


def test_a_succeeded_prediction_was_created_then_started_then_completed(
    succeeded: Prediction,
) -> None:
    stamps = (succeeded.created_at, succeeded.started_at, succeeded.completed_at)
    assert all(stamps), stamps

    created, started, completed = (datetime.fromisoformat(stamp or "") for stamp in stamps)

    assert created <= started <= completed


def test_setup_with_a_weights_parameter_runs_without_weights(
    client: replicate.Client, push_fixture: Push
) -> None:
    """Neither ``COG_WEIGHTS`` nor a weights URL is set, so setup(weights) is given None."""
    prediction = finished(client, push_fixture, "setup-weights")

    assert (prediction.status, prediction.output) == ("succeeded", "no weights")
