"""The renderer's Python widgets write exactly what Django's widget templates write."""

import datetime

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.safestring import mark_safe

from kabinet.core.forms_renderer import _FIELD, FormRenderer, _is_ours


class Everything(forms.Form):
    name = forms.CharField(label="Имя", max_length=10, help_text="Как в паспорте")
    q = forms.CharField(required=False, widget=forms.SearchInput(attrs={"placeholder": 'Поиск "по" <всему>'}))
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.IntegerField(required=False, min_value=0)
    email = forms.EmailField(required=False)
    secret = forms.CharField(required=False, widget=forms.PasswordInput)
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        choices=[("", "Все"), ("a&b", "A & B"), ("x", mark_safe("<b>X</b>")), (3, "Три")], required=False
    )
    grouped = forms.ChoiceField(
        required=False, choices=[("Группа <1>", [("1", "Один"), ("2", "Два")]), ("3", "Три «кавычки»")]
    )
    many = forms.MultipleChoiceField(choices=[("1", "Один"), ("2", "Два")], required=False)
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    flag = forms.BooleanField(required=False)
    agree = forms.BooleanField(label="Согласен <с условиями>", help_text=mark_safe("См. <a href='#'>правила</a>"))
    way = forms.ChoiceField(
        label="Способ",
        choices=[("sms", "СМС"), ("mail", "Почта & «письмо»")],
        widget=forms.RadioSelect,
        help_text="Один",
    )
    ways = forms.MultipleChoiceField(
        required=False, choices=[("1", "Один"), ("2", "Два")], widget=forms.CheckboxSelectMultiple
    )
    unlabelled = forms.CharField(label="", required=False, help_text="Без подписи")


DATA = {
    "name": 'Иван "<script>"',
    "q": "a&b",
    "day": "2026-11-28",
    "count": "-1",
    "email": "x@example.ru",
    "secret": "hidden",
    "hidden": "h&1",
    "kind": "a&b",
    "grouped": "2",
    "many": ["1", "2"],
    "text": "строка 1\n<строка 2>",
    "flag": "on",
    "agree": "on",
    "way": "mail",
    "ways": ["2"],
    "unlabelled": "x",
}


@pytest.mark.parametrize(
    "data", [None, DATA, {"name": "", "way": "bad", "count": "x"}], ids=["unbound", "bound", "errors"]
)
def test_every_widget_renders_as_djangos_templates_do(data):
    initial = {"day": datetime.date(2026, 1, 2), "kind": 3}
    ours = Everything(data, initial=initial, renderer=FormRenderer())
    djangos = Everything(data, initial=initial, renderer=TemplatesSetting())
    if data is not None:
        ours.is_valid(), djangos.is_valid()
    for name in Everything.base_fields:
        assert str(ours[name]) == str(djangos[name]), name
        assert ours[name].as_field_group() == djangos[name].as_field_group(), name
    assert 'value="Иван &quot;&lt;script&gt;&quot;"' in str(ours["name"]) or data is not DATA


def test_the_field_group_is_written_in_python_for_the_projects_template():
    """So the comparison above compares the Python field group with templates/django/forms/field.html."""
    assert _is_ours(_FIELD)
    assert not _is_ours("django/forms/widgets/input.html")


def test_a_select_of_many_options_is_written_whole():
    form = Everything(renderer=FormRenderer())
    kind = form.fields["kind"]
    assert isinstance(kind, forms.ChoiceField)
    kind.choices = [(str(i), f"Заявка {i}") for i in range(2000)]
    html = str(form["kind"])
    assert html.count("<option") == 2000 and html.startswith('<select name="kind"')
