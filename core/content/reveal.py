"""Revealing a call's parties unmasked: a grant with ``reveal``, logged before it happens.

Calls carry only masked parties; the raw From/To are read again from the capture
(the same file, checked by hash) and returned to the caller, never stored or logged.
"""

from __future__ import annotations

from callscope.core.content.access import ContentSource
from callscope.core.errors import CallScopeError
from callscope.core.privacy.gate import ContentGate
from callscope.core.privacy.grant import Grant
from callscope.core.privacy.masking import mask_text
from callscope.core.sip.find import find_sip_messages


def reveal_parties(
    gate: ContentGate, grant: Grant, source: ContentSource, call_id: str
) -> tuple[str, str]:
    """The unmasked (From, To) header values of a call's first message; REVEAL logged first."""
    gate.log_access(grant, "REVEAL", source.sha256, None, detail=f"call {mask_text(call_id)}")
    capture = source._open()
    try:
        for message in find_sip_messages(capture):
            if message.call_id == call_id:
                return message.header("from"), message.header("to")
    finally:
        capture.close()
    raise CallScopeError("that call's signalling is no longer in the capture")
