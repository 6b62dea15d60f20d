"""Simple `{{name}}` tags, `{{= expr }}` tags, rendering, strictness and references."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from argoapp.template import UnresolvedError, references, substitute, substitute_obj
from argoapp.template.substitute import STRICT_PREFIXES, expand_scope


def test_simple_tags_with_and_without_spaces() -> None:
    scope = {"inputs.parameters.msg": "hi", "item.name": "x"}
    assert substitute("say {{inputs.parameters.msg}}!", scope) == "say hi!"
    assert substitute("{{ item.name }}{{inputs.parameters.msg}}", scope) == "xhi"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3, "3"),
        (1.5, "1.5"),
        (2.0, "2"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        ({"a": 1, "b": [1, "x"]}, '{"a":1,"b":[1,"x"]}'),
        ([1, 2], "[1,2]"),
        ("plain", "plain"),
    ],
)
def test_values_render_as_argo_writes_them(value: object, text: str) -> None:
    assert substitute("{{item}}", {"item": value}) == text


def test_unresolved_strict_prefix_raises_with_argos_message() -> None:
    with pytest.raises(
        UnresolvedError, match=r"failed to resolve \{\{steps\.a\.outputs\.result\}\}"
    ):
        substitute("{{steps.a.outputs.result}}", {})


def test_unresolved_strict_prefix_allowed_stays_verbatim() -> None:
    text = "x {{ steps.a.outputs.result }} y"
    assert substitute(text, {}, allow_unresolved=True) == text


def test_unknown_prefix_stays_verbatim() -> None:
    assert substitute("{{foo}} and {{ bar.baz }}", {}) == "{{foo}} and {{ bar.baz }}"


def test_unterminated_tag_is_text() -> None:
    assert substitute("a {{inputs.parameters.x", {}) == "a {{inputs.parameters.x"


def test_expression_tags_see_nested_env() -> None:
    scope = {"steps.flip.outputs.result": "heads", "inputs.parameters.foo": "4"}
    assert substitute("{{= steps.flip.outputs.result == 'heads' }}", scope) == "true"
    assert substitute("{{=asInt(inputs.parameters.foo) * 10}}", scope) == "40"
    assert substitute("{{=inputs.parameters.foo + 'x'}}", scope) == "4x"
    assert substitute("{{=toJson(filter([1, 3], {# > 1}))}}", {}) == "[3]"
    assert substitute("{{= {a: {b: 1}} }}", {}) == '{"a":{"b":1}}'
    assert substitute("{{=1.5}} {{=7/2}} {{=[1, 'a']}}", {}) == '1.5 3.5 [1,"a"]'


def test_hyphenated_names_need_brackets() -> None:
    scope = {"steps.flip-coin.outputs.result": "heads", "steps.heads.outputs.result": "H"}
    expr = "{{=steps['flip-coin'].outputs.result == 'heads' ? steps.heads.outputs.result : 'T'}}"
    assert substitute(expr, scope) == "H"


def test_nil_expression_raises_unless_allowed() -> None:
    with pytest.raises(UnresolvedError):
        substitute("{{= tasks.a.outputs.result }}", {})
    text = "{{= tasks.a.outputs.result }}"
    assert substitute(text, {}, allow_unresolved=True) == text


def test_failing_expression_stays_verbatim_when_allowed() -> None:
    text = "{{= steps.a.outputs.result.x }}"
    assert substitute(text, {}, allow_unresolved=True) == text


def test_coalesce_rescues_a_missing_output() -> None:
    scope = {"tasks.other.outputs.result": "x"}
    text = "{{= tasks.producer.outputs.parameters.msg ?? 'fallback' }}"
    assert substitute(text, scope) == "fallback"


def test_item_as_map_and_as_fields() -> None:
    scope = {"item": {"name": "fourth"}, "item.name": "fourth"}
    assert substitute("{{= get(item, 'type') ?? 'always' }}", scope) == "always"
    assert substitute("{{item.name}}/{{=item.name}}", scope) == "fourth/fourth"


def test_expand_scope_prefers_the_map_and_merges_dicts() -> None:
    env = expand_scope({"item": '{"a":1}', "item.a": 1, "x": {"k": 1}, "x.j": 2, "w.name": "n"})
    assert env["item"] == {"a": 1}
    assert env["x"] == {"k": 1, "j": 2}
    assert env["w"] == {"name": "n"}


def test_references_lists_simple_tags_once() -> None:
    text = "{{a.b}} {{ steps.x.outputs.result }} {{=expr}} {{a.b}}"
    assert references(text) == ["a.b", "steps.x.outputs.result"]


def test_substitute_obj_walks_keys_and_values() -> None:
    scope = {"inputs.parameters.k": "key", "item": [1, 2]}
    obj = {"{{inputs.parameters.k}}": ["{{item}}", 3, {"n": "{{inputs.parameters.k}}"}], "b": None}
    out = substitute_obj(obj, scope)
    assert out == {"key": ["[1,2]", 3, {"n": "key"}], "b": None}
    assert obj["{{inputs.parameters.k}}"][0] == "{{item}}"  # the input is not changed


_names = st.from_regex(r"[a-z][a-z0-9]{0,6}(\.[a-z][a-z0-9-]{0,6}){0,3}", fullmatch=True)


@given(prefix=st.sampled_from(sorted(STRICT_PREFIXES)), rest=_names)
def test_unknown_strict_variables_always_raise(prefix: str, rest: str) -> None:
    name = f"{prefix}.{rest}"
    with pytest.raises(UnresolvedError):
        substitute("x {{" + name + "}} y", {})


@given(st.text().filter(lambda t: "{{" not in t))
def test_text_without_tags_is_unchanged(text: str) -> None:
    assert substitute(text, {}) == text


_values = st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=10)


@given(scope=st.dictionaries(_names, _values, min_size=1, max_size=5), data=st.data())
def test_substitution_is_idempotent(scope: dict[str, str], data: st.DataObject) -> None:
    keys = sorted(scope)
    picks = data.draw(st.lists(st.sampled_from(keys), max_size=6))
    text = " ".join("{{" + k + "}}" for k in picks) + " tail"
    once = substitute(text, scope)
    assert substitute(once, scope) == once
