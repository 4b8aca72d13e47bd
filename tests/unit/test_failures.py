"""What a failed request is called on the retry record, and the one line that says why."""

from __future__ import annotations

from scrapy.exceptions import DownloadFailedError, ResponseDataLossError
from twisted.internet.error import ConnectionLost
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed

from newscrawl.failures import classify


def wrapped(outer: Exception, inner: Exception) -> Failure:
    outer.__cause__ = inner
    return Failure(outer)


def test_a_connection_lost_is_named_by_its_innermost_cause() -> None:
    lost = ResponseFailed([Failure(ConnectionLost())])
    failure = wrapped(DownloadFailedError(str(lost)), lost)
    assert classify(failure) == ("connection", None, "ConnectionLost: Connection to the other side was lost in a non-clean fashion.")


def test_a_transfer_cut_short_is_a_cut_transfer() -> None:
    cut = ResponseFailed([Failure(ConnectionLost())])
    problem, status, error = classify(wrapped(ResponseDataLossError(), cut))
    assert (problem, status) == ("cut_transfer", None)
    assert error == "the transfer ended before its declared length (ConnectionLost: Connection to the other side was lost in a non-clean fashion.)"
