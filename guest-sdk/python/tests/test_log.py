"""Logging: captured natively, sent to the host sink inside a component."""

from wasmhook_sdk import log


def test_records_formatted_messages_natively(capsys):
    log.take_records()
    log.info("a %d", 1)
    log.warn("b %s")  # no arguments: no formatting
    log.trace("t")
    assert log.take_records() == [
        (log.Level.INFO, "a 1"),
        (log.Level.WARN, "b %s"),
        (log.Level.TRACE, "t"),
    ]
    assert log.take_records() == []
    assert capsys.readouterr().err == "[INFO] a 1\n[WARN] b %s\n[TRACE] t\n"


def test_host_sink_receives_records_instead():
    seen = []
    log.set_host_sink(lambda level, message: seen.append((level, message)))
    try:
        log.error("boom %s", "x")
        log.debug("d")
    finally:
        log.set_host_sink(None)
    assert seen == [(log.Level.ERROR, "boom x"), (log.Level.DEBUG, "d")]
    assert log.take_records() == []


def test_native_records_are_bounded():
    log.take_records()
    log._records.extend([(log.Level.INFO, "x")] * log.MAX_RECORDS)
    log.info("one too many")
    records = log.take_records()
    assert len(records) == log.MAX_RECORDS and records[-1] == (log.Level.INFO, "x")
