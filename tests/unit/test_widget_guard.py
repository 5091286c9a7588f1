"""The widget guard lets through what a real browser sends: a whole-number st.number_input (the swimmer's page of
lanes) arrives as int_value although Streamlit registers number inputs as double_value."""

from __future__ import annotations

from types import SimpleNamespace

from streamlit.elements.widgets.number_input import NumberInputSerde
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.runtime.state.common import WidgetMetadata

from cmltrack.ui.widget_guard import decodable


def _session(value_type: str = "double_value") -> SimpleNamespace:
    serde = NumberInputSerde(value=1, data_type=NumberInput.INT, min_value=1, max_value=400)
    metadata = WidgetMetadata(id="lane_page", deserializer=serde.deserialize, serializer=serde.serialize,
                              value_type=value_type)
    return SimpleNamespace(_new_widget_state=SimpleNamespace(widget_metadata={"lane_page": metadata}))


def test_a_whole_number_input_sent_as_an_int_is_kept():
    assert decodable(_session(), WidgetState(id="lane_page", int_value=2))
    assert decodable(_session(), WidgetState(id="lane_page", double_value=2.0))


def test_other_kinds_for_a_number_input_are_still_dropped():
    assert not decodable(_session(), WidgetState(id="lane_page", string_value="2"))
    assert not decodable(_session(), WidgetState(id="lane_page", json_value="[2]"))
