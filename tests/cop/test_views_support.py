"""The helpers pages call a service through: a refusal lands on the form or in the
message bar, a success queues its message and hands back what the service returned."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from cop.views.support import Done, act, add_refusal, error_text, submit


class _NameForm(forms.Form):
    name = forms.CharField(max_length=20)


def _request(method: str = "post", data=None):
    request = getattr(RequestFactory(), method)("/", data or {})
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _refuse(*_args):
    raise ValidationError(["Not now.", "Try later."])


def _texts(request) -> list[str]:
    return [str(message) for message in get_messages(request)]


def test_submit_valid_post_calls_the_service_and_queues_the_success():
    request = _request(data={"name": "Ada"})
    form = _NameForm(request.POST)

    done = submit(request, form, lambda data: data["name"].upper(), success="Saved.")

    assert done == Done("ADA")
    assert _texts(request) == ["Saved."]


def test_submit_success_message_made_from_the_result():
    request = _request(data={"name": "Ada"})
    form = _NameForm(request.POST)

    submit(request, form, lambda data: data["name"], success=lambda name: f"Hello {name}.")

    assert _texts(request) == ["Hello Ada."]


def test_submit_refusal_goes_on_the_form_and_nothing_is_queued():
    request = _request(data={"name": "Ada"})
    form = _NameForm(request.POST)

    done = submit(request, form, _refuse, success="Saved.")

    assert done is None
    assert form.non_field_errors() == ["Not now.", "Try later."]
    assert _texts(request) == []


def test_submit_get_or_invalid_form_does_not_call_the_service():
    called = []
    get = _request("get")
    invalid = _request(data={"name": ""})

    for request in (get, invalid):
        form = _NameForm(request.POST or None)
        assert submit(request, form, called.append, success="Saved.") is None

    assert called == []


def test_submit_service_returning_none_is_still_done():
    request = _request(data={"name": "Ada"})

    done = submit(request, _NameForm(request.POST), lambda data: None, success="Saved.")

    assert done == Done(None)
    assert done  # truthy: the caller redirects


def test_act_refusal_becomes_one_error_message():
    request = _request()

    assert act(request, _refuse, success="Done.") is None
    assert _texts(request) == ["Not now. Try later."]


def test_act_success_queues_the_message_and_returns_the_result():
    request = _request()

    assert act(request, lambda: 7, success="Done.") == Done(7)
    assert _texts(request) == ["Done."]


def test_error_text_joins_the_messages():
    assert error_text(ValidationError({"a": ["One."], "b": ["Two."]})) == "One. Two."


def test_add_refusal_puts_field_messages_on_their_field_and_the_rest_on_the_form():
    form = _NameForm({"name": "Ada"})
    form.is_valid()

    add_refusal(form, ValidationError({"name": "Taken.", "colour": "Unknown colour."}))

    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Unknown colour."]


def test_submit_refusal_naming_a_field_lands_on_that_field():
    request = _request(data={"name": "Ada"})
    form = _NameForm(request.POST)

    def refuse_name(_data):
        raise ValidationError({"name": "Taken."})

    assert submit(request, form, refuse_name, success="Saved.") is None
    assert form.errors["name"] == ["Taken."]
    assert _texts(request) == []
