"""Widget values from the browser, checked before any script run sees them.

A rerun request carries the value of every widget, and nothing stops a client from sending a value its widget
cannot hold: text for a slider, a number for a multiselect, JSON that does not parse. Streamlit decodes each value
with its widget's own deserializer, lazily and on every run, so one such value raised a traceback before the page
started and on every run after it (the session stayed broken); one its deserializer happened to accept was later
written back in a field of the wrong kind (a TypeError). `install` makes Streamlit check each incoming value as it
arrives: of the kind its widget registered, readable by the widget's own deserializer and writable back by its
serializer (a multiselect reads an option it does not offer, and fails when it writes it back); a value that is not
is dropped and logged: the widget keeps its last value (or its default), as if the message had not held it. Values
of the right kind but out of range (an age range upside down) are the page's to check (cmltrack.ui.sidebar).
"""

from __future__ import annotations

import logging
from typing import Any

from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.state.common import unpack_widget_state_value
from streamlit.runtime.state.session_state import SessionState, Value, WStates

log = logging.getLogger("cmltrack")
#: Values whose deserializer reads other stores (uploaded files, chat input) are passed as they are when their kind
#: is the widget's own: decoding them twice would repeat that work.
_PASS_THROUGH = frozenset({"file_uploader_state_value", "chat_input_value"})
_original = SessionState.set_widgets_from_proto


def decodable(session: SessionState, state: Any) -> bool:
    """Whether the widget ``state.id`` of ``session`` can read the value ``state`` carries (True for a widget this
    session has not drawn yet: Streamlit ignores those)."""
    metadata = session._new_widget_state.widget_metadata.get(state.id)
    if metadata is None:
        return True
    kind = state.WhichOneof("value")
    if kind == "int_value" and metadata.value_type == "double_value":
        kind = "double_value"  # st.number_input registers doubles; the browser sends a whole-number one as int_value
    if kind is not None and metadata.value_type is not None and kind != metadata.value_type:
        return False  # decoded, it would be sent back to the browser in a field of another kind (a TypeError)
    if kind in _PASS_THROUGH:
        return True
    try:  # decoded by the widget, and encoded back as Streamlit will when it draws the widget
        value = metadata.deserializer(unpack_widget_state_value(state))
        WStates(states={state.id: Value(value)}, widget_metadata={state.id: metadata}).get_serialized(state.id)
    except Exception:  # noqa: BLE001 (any failure of the widget's own coding means the value is unusable)
        return False
    return True


def _checked(self: SessionState, widget_states: WidgetStates) -> None:
    kept = WidgetStates()
    for state in widget_states.widgets:
        if decodable(self, state):
            kept.widgets.append(state)
        else:
            log.warning("dropped a widget value the browser sent that its widget cannot read (%s)",
                        state.WhichOneof("value"))
    _original(self, kept if len(kept.widgets) != len(widget_states.widgets) else widget_states)


def install() -> None:
    """Check every widget value a browser sends, in every session of this server (idempotent)."""
    SessionState.set_widgets_from_proto = _checked
