"""Server-sent events, read as the HTML standard says (§9.2.6): lines end in CRLF, LF or CR (even
split across chunks), ``:`` starts a comment (keep-alives), several ``data:`` lines join with
"\\n", one space after the colon is dropped, a blank line dispatches, and ``id:`` / ``retry:`` are
kept for reconnecting. An event the stream cut off before its blank line is dropped."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

__all__ = ["ServerSentEvent", "SseParser"]

_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class ServerSentEvent:
    #: ``message`` unless the event named another type.
    event: str
    data: str
    #: The last event id seen so far in the stream ('' when none): what Last-Event-ID sends back.
    last_event_id: str


class SseParser:
    def __init__(self) -> None:
        #: The stream's last ``id:``, kept across events.
        self.last_event_id = ""
        #: The reconnection delay the server asked for with ``retry:``, in seconds.
        self.retry_s: Optional[float] = None
        self._buffer = ""
        self._is_start = True
        # The previous chunk ended in CR: a LF that starts this one belongs to it.
        self._is_after_cr = False
        self._event_type = ""
        self._data: List[str] = []

    def feed(self, text: str) -> List[ServerSentEvent]:
        """Feeds decoded text; returns the events it completed."""
        if self._is_start and text:
            self._is_start = False
            if text.startswith("\ufeff"):
                text = text[1:]
        if self._is_after_cr and text.startswith("\n"):
            text = text[1:]
        self._is_after_cr = False
        self._buffer += text
        events: List[ServerSentEvent] = []
        start = 0
        for match in _LINE_END.finditer(self._buffer):
            # A CR at the very end may be the first half of a CRLF still in flight.
            if match.group() == "\r" and match.start() == len(self._buffer) - 1:
                self._is_after_cr = True
            event = self._line(self._buffer[start:match.start()])
            if event is not None:
                events.append(event)
            start = match.end()
        self._buffer = self._buffer[start:]
        return events

    def _line(self, line: str) -> Optional[ServerSentEvent]:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "event":
            self._event_type = value
        elif field == "data":
            self._data.append(value)
        elif field == "id":
            if "\0" not in value:
                self.last_event_id = value
        elif field == "retry":
            if value.isdigit():
                self.retry_s = int(value) / 1000
        # Unknown fields are ignored, as the standard says.
        return None

    def _dispatch(self) -> Optional[ServerSentEvent]:
        event = None
        if self._data:
            event = ServerSentEvent(self._event_type or "message", "\n".join(self._data), self.last_event_id)
        self._event_type = ""
        self._data = []
        return event
