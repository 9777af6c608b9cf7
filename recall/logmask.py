"""A logging filter that masks every run of exactly 12 digits (the length of an IIN) in a log
record: its message, its arguments once formatted, and its traceback. Applied to every handler
of the application (config/settings/base.py LOGGING, the Celery workers through that config,
and gunicorn's logs through config/gunicorn.conf.py). Plain Python: gunicorn loads it before
Django is set up.

Masking every 12-digit run, not only valid IINs, keeps the rule simple and safe: a timestamp or
an id of 12 digits loses its middle in a log line, a price nobody pays for privacy."""

from __future__ import annotations

import logging
import re

TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")


def mask(text: str) -> str:
    """The last four digits kept, as officials see IINs (recall.iin.mask)."""
    return TWELVE_DIGITS.sub(lambda m: "•" * 8 + m.group()[-4:], text)


class MaskIIN(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True
