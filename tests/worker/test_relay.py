"""What a running prediction's relay puts in each report, and what it keeps until a report has
gone out."""

from __future__ import annotations

from mimeo.core.protocol import Finished, HandBack, Progress
from mimeo.runtime.cog_events import Completed, Log, OutputChunk, Started
from mimeo.worker.relay import Relay


def relay(iterator_output: bool = False) -> Relay:
    return Relay("wkr_a", iterator_output=iterator_output)


def test_the_start_is_reported_once() -> None:
    running = relay()
    running.add(Started())

    first = running.take()
    running.sent(first)
    second = running.take()

    assert isinstance(first.report, Progress)
    assert first.report.started
    assert isinstance(second.report, Progress)
    assert not second.report.started


def test_a_batch_not_sent_goes_again_with_what_came_after_it() -> None:
    running = relay()
    running.add(Log("one\n"))
    running.take()  # the report that carried it failed
    running.add(Log("two\n"))

    report = running.take().report

    assert isinstance(report, Progress)
    assert report.logs == "one\ntwo\n"


def test_logs_that_came_while_a_batch_was_in_flight_are_kept_for_the_next() -> None:
    running = relay()
    running.add(Log("one\n"))
    batch = running.take()
    running.add(Log("two\n"))

    running.sent(batch)

    report = running.take().report
    assert isinstance(report, Progress)
    assert report.logs == "two\n"


def test_an_iterator_reports_its_whole_output_so_far() -> None:
    running = relay(iterator_output=True)
    running.add(OutputChunk("a", 0))
    running.sent(running.take())
    running.add(OutputChunk("b", 1))

    report = running.take().report

    assert isinstance(report, Progress)
    assert report.output is not None
    assert report.output.value == ["a", "b"]


def test_the_first_output_chunk_is_flushed_at_once() -> None:
    running = relay(iterator_output=True)

    running.add(OutputChunk("a", 0))

    assert running.flush_now.is_set()


def test_the_outcome_carries_the_logs_not_yet_sent() -> None:
    running = relay()
    running.add(Log("last words\n"))
    running.add(Completed("succeeded", output="done", metrics={"predict_time": 0.5}))

    report = running.take().report

    assert isinstance(report, Finished)
    assert report.logs == "last words\n"
    assert report.outcome.output == "done"
    assert report.outcome.metrics["predict_time"] == 0.5


def test_a_status_coglet_may_add_later_ends_as_failed() -> None:
    running = relay()

    running.add(Completed("aborted"))

    report = running.take().report
    assert isinstance(report, Finished)
    assert report.outcome.status == "failed"


def test_handing_back_wins_over_what_else_is_pending() -> None:
    running = relay()
    running.add(Log("half way\n"))

    running.hand_back()

    assert isinstance(running.take().report, HandBack)
