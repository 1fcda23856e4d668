"""Structured logs: one JSON line per event on standard error, with message id and link."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from gateway.node.config import mask

_FIELDS = ("message_id", "link", "reason", "peer", "state", "detail")


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": mask(record.getMessage()),
        }
        for name in _FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def setup(level: int = logging.INFO) -> None:
    """JSON lines on standard error. Libraries speak only from WARNING up: APScheduler's two INFO
    lines per sweep ("Running job", "executed successfully") would bury the events that matter; a
    sweep that does something logs it itself (gateway.sweep), and APScheduler's warnings (a skipped
    or missed run) and errors still come through."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aio_pika", "aiormq", "alembic", "apscheduler", "sqlalchemy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
