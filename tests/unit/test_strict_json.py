import json

import pytest

from streamfx_server.infra.strict_json import MAX_DEPTH, JSONRefused, loads


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused_wherever_they_are(constant: str):
    for text in (constant, f'{{"a": {constant}}}', f'[1, {{"b": [{constant}]}}]'):
        with pytest.raises(JSONRefused) as refused:
            loads(text)
        assert refused.value.reason == "non_finite"
    # As text they are just strings.
    assert loads(f'{{"a": "{constant}"}}') == {"a": constant}


def test_depth_is_bounded_however_deep_the_text_goes():
    at_limit = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads(at_limit) is not None
    for depth in (MAX_DEPTH + 1, 300, 5000, 100_000):
        with pytest.raises(JSONRefused) as refused:
            loads("[" * depth + "]" * depth)
        assert refused.value.reason == "too_deep"
        with pytest.raises(JSONRefused):
            loads('{"a": ' * depth + "1" + "}" * depth)


def test_ordinary_json_parses_as_usual_and_bad_json_is_a_value_error():
    body = {"settings": {"f": 1.5e300, "list": [1, "x", None, True]}, "n": -3}
    assert loads(json.dumps(body)) == body
    assert loads(json.dumps(body).encode()) == body
    for bad in ('{"a": ', "nope", b"\xff\xfe"):
        with pytest.raises(ValueError) as raised:
            loads(bad)
        assert not isinstance(raised.value, JSONRefused)
