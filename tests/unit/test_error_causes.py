"""The one-line cause a 5xx is logged with (``middlewares._causes``)."""

from __future__ import annotations

from gateway import errors
from gateway.middlewares import _causes


def _raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:  # noqa: BLE001 - the test wants the object
        return caught


def test_the_whole_chain_on_one_line() -> None:
    try:
        try:
            raise ConnectionRefusedError(111, "Connect call\nfailed")
        except OSError as refused:
            raise TimeoutError("gave up") from refused
    except TimeoutError as timeout:
        error = errors.ServiceUnavailable()
        error.__cause__ = timeout
    assert _causes(error) == ("TimeoutError: gave up <- "
                              "ConnectionRefusedError: [Errno 111] Connect call failed")


def test_an_error_without_a_cause_says_so() -> None:
    assert _causes(_raised(errors.ServiceUnavailable())) == "no underlying error recorded"


def test_an_empty_message_shows_the_type() -> None:
    error = errors.InternalError()
    error.__cause__ = TimeoutError()
    assert _causes(error) == "TimeoutError"
