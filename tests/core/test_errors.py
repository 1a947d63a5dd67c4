"""The error model: one sentence per failure, and no key anywhere."""

import logging

from linkdesk.core import errors

FAKE_KEY = "sk_test_FAKEFAKEFAKEFAKE0000"


def all_error_classes(base=errors.LinkdeskError):
    for cls in base.__subclasses__():
        yield cls
        yield from all_error_classes(cls)


def test_every_error_has_a_one_sentence_default_message():
    for cls in all_error_classes():
        message = cls.default_message
        assert message.endswith("."), cls
        assert message.count(". ") == 0, f"{cls.__name__}: more than one sentence"
        assert len(message) < 200, cls


def test_messages_are_distinct_for_distinct_failures():
    messages = {cls.default_message for cls in all_error_classes()}
    network = [
        errors.RequestTimeout,
        errors.ConnectionRefused,
        errors.ConnectionDropped,
        errors.TlsError,
        errors.NotJsonResponse,
        errors.TruncatedResponse,
        errors.ProxyError,
    ]
    assert len({cls.default_message for cls in network}) == len(network)
    assert len(messages) > 10


def test_key_is_redacted_from_messages():
    error = errors.ServerError(f"server echoed Bearer {FAKE_KEY}", status=500)
    assert FAKE_KEY not in error.message
    assert FAKE_KEY not in str(error)
    assert "sk_…(hidden)" in error.message


def test_redacting_filter_scrubs_log_records_and_tracebacks(caplog):
    logger = logging.getLogger("linkdesk.test_errors")
    handler_filter = errors.RedactingFilter()
    caplog.handler.addFilter(handler_filter)
    try:
        logger.warning("sending %s", FAKE_KEY)
        try:
            raise RuntimeError(FAKE_KEY)
        except RuntimeError:
            logger.exception("failed")
    finally:
        caplog.handler.removeFilter(handler_filter)
    assert FAKE_KEY not in caplog.text
    assert "sk_…(hidden)" in caplog.text
