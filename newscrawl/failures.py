"""What went wrong with a request, in the words of the retry record (newscrawl.healing)."""

from __future__ import annotations

from typing import Optional

from scrapy.core.downloader.handlers.http11 import TunnelError
from scrapy.exceptions import (
    CannotResolveHostError, DownloadConnectionRefusedError, DownloadFailedError, DownloadTimeoutError, IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet import error as net_error
from twisted.internet.defer import TimeoutError as DeferTimeoutError
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from newscrawl.middlewares import DamagedPage

# Scrapy 2.19 wraps the download handler's errors in its own exceptions; older ones raised Twisted's
_TIMEOUTS = (DownloadTimeoutError, DeferTimeoutError, net_error.TimeoutError, net_error.TCPTimedOutError)
_CUT = (ResponseDataLossError, ResponseFailed)
_CONNECTION = (
    DownloadConnectionRefusedError, CannotResolveHostError, DownloadFailedError,
    net_error.ConnectionRefusedError, net_error.ConnectionDone, net_error.ConnectionLost, net_error.ConnectError,
    net_error.DNSLookupError, ResponseNeverReceived, TunnelError,
)


def classify(failure: Failure) -> tuple[str, Optional[int], str]:
    """(problem, HTTP status or None, one line of error) of a failed request."""
    response = getattr(failure.value, "response", None)
    message = failure.getErrorMessage().splitlines()[0] if failure.getErrorMessage() else failure.type.__name__
    if response is not None:
        return f"http_{response.status}", int(response.status), f"HTTP {response.status}"
    if failure.check(DamagedPage):
        return failure.value.problem, None, message
    if failure.check(*_TIMEOUTS):
        return "timeout", None, f"{failure.type.__name__}: {message}"
    if failure.check(*_CUT):
        # the answer began and broke off: a transfer cut short (or a reset mid-body)
        return "cut_transfer", None, f"{failure.type.__name__}: {message}"
    if failure.check(*_CONNECTION):
        return "connection", None, f"{failure.type.__name__}: {message}"
    if failure.check(IgnoreRequest):
        return "ignored", None, message
    return failure.type.__name__.lower(), None, f"{failure.type.__name__}: {message}"
