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


def cause(error: BaseException) -> str:
    """One line naming what went wrong, from the innermost error: Scrapy 2.19 wraps Twisted's
    (whose ResponseFailed holds its own reasons as a list of Failures) in its own."""
    while True:
        reasons = getattr(error, "reasons", None)
        if reasons and isinstance(reasons[0], Failure):
            error = reasons[0].value
        elif error.__cause__ is not None:
            error = error.__cause__
        else:
            break
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def classify(failure: Failure) -> tuple[str, Optional[int], str]:
    """(problem, HTTP status or None, one line of error) of a failed request."""
    response = getattr(failure.value, "response", None)
    if response is not None:
        return f"http_{response.status}", int(response.status), f"HTTP {response.status}"
    if failure.check(DamagedPage):
        return failure.value.problem, None, str(failure.value)
    if failure.check(IgnoreRequest):
        return "ignored", None, str(failure.value)
    if failure.check(*_CUT):
        # the answer began and broke off: its cause alone ("closed cleanly") would hide that
        return "cut_transfer", None, f"the transfer ended before its declared length ({cause(failure.value)})"
    if failure.check(*_TIMEOUTS):
        problem = "timeout"
    elif failure.check(*_CONNECTION):
        problem = "connection"
    else:
        problem = failure.type.__name__.lower()
    return problem, None, cause(failure.value)
