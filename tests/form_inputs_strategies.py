"""Hostile form input for the property tests (tests/test_form_inputs*.py): "never a 500 on input".

For each field of a form, a strategy mixing values that fit the field (Hypothesis's `from_field`, where
it can infer one) with values that do not: numbers just outside the field's bounds, -0, huge integers,
NaN and infinity, digits of other scripts, impossible dates, wrong choices, lists where one value is
expected, empty and very long text. `form_data` puts them together into a form's POST data, mixed
with whole forms from `hypothesis.extra.django.from_form` where it can build them.
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import QueryDict
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException
from hypothesis.extra.django import from_field, from_form

# Every generated input, by form: the property tests report the total at the end of the run.
GENERATED: Counter[str] = Counter()


class _GeneratedInputsReport:
    """Writes the total at the end of the run (not shown by pytest-xdist workers: run with -n 0)."""

    def pytest_terminal_summary(self, terminalreporter):
        if GENERATED:
            total = sum(GENERATED.values())
            terminalreporter.write_sep(
                "-", f"form input properties: {total} generated inputs over {len(GENERATED)} forms"
            )


def report_generated_inputs(config) -> None:
    if not config.pluginmanager.has_plugin("generated-form-inputs"):
        config.pluginmanager.register(_GeneratedInputsReport(), "generated-form-inputs")


# Examples per property: those of the Hypothesis profile loaded by tests/conftest.py, 100 in `make test`
# ("default"), 200 with HYPOTHESIS_PROFILE=full (the count of the fuzzing issue).
PROPERTY_SETTINGS = settings(
    max_examples=settings.default.max_examples,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

HUGE = [str(2**31), str(2**63), str(2**64 + 1), "9" * 30, "-" + "9" * 30, "1" + "0" * 400]
NOT_NUMBERS = ["NaN", "nan", "-NaN", "sNaN", "inf", "-inf", "Infinity", "-Infinity", "1e309", "1e-400", "0x1A", "1_000"]
OTHER_DIGITS = [
    "⁴⁸⁵ ⁷⁷⁷ ³⁴⁵⁶",  # superscripts: str.isdigit() says yes, int() says no
    "٩٤٣٤٧٦٥٩١٩",  # Arabic-Indic
    "۹۴۳۴۷۶۵۹۱۹",  # Extended Arabic-Indic (Persian)
    "९४३४७६५९१९",  # Devanagari
    "９４３４７６５９１９",  # full-width
    "①②③",
    "½",
    "Ⅻ",
    "٥",
    "¹⁰",
]
BAD_DATES = [
    "2026-02-30",
    "2025-02-29",
    "2026-13-01",
    "2026-00-10",
    "2026-04-31",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "-2026-01-01",
    "2026-1-1",
    "31/12/2025",
    "12/31/2025",
    "2026-02-28T25:00",
    "2026-02-28T23:60",
    "2026-02-28T24:00",
    "2026-02-28 12:00:99",
    "1970-01-01T00:00",
    "today",
]
FORMAT_TRAPS = ["%", "%s", "%(value)s", "%(limit_value)s", "%d%%", "{0}", "{value}", "{{ x }}", "{% now %}"]
ODD_TEXT = [
    "",
    " ",
    "\t\n",
    "-0",
    "+0",
    "0.0",
    "-0.0",
    "00",
    "1,5",
    "1.5.5",
    " 7 ",
    "\x00",
    "a\x00b",
    "\u200b",
    "\ufeff1",
    "\u202e10",
    "None",
    "null",
    "undefined",
    "true",
    "false",
    "on",
    "unknown",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "'; DROP TABLE pathway_patient; --",
    "../../etc/passwd",
    "😀",
    "x" * 5000,
]
COMMON_HOSTILE = st.one_of(
    st.sampled_from(ODD_TEXT + HUGE + NOT_NUMBERS + OTHER_DIGITS + BAD_DATES + FORMAT_TRAPS),
    st.text(max_size=30),
    st.integers(min_value=-(10**22), max_value=10**22).map(str),
    st.lists(st.sampled_from(["1", "", "x", "-0", "2026-02-30"]), min_size=0, max_size=3),
)
LONG_TEXT = st.one_of(
    st.integers(min_value=100, max_value=30_000).map(lambda n: "é" * n),
    st.just("line\n" * 3000),
)


def _model_field(form_class, name: str):
    meta = getattr(form_class, "_meta", None)
    model = getattr(meta, "model", None)
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a form-only field
        return None


def _bounds(field, model_field) -> tuple[Decimal | None, Decimal | None]:
    low = high = None
    for validator in [*field.validators, *(getattr(model_field, "validators", []) if model_field else [])]:
        limit = getattr(validator, "limit_value", None)
        if callable(limit) or limit is None:
            continue
        if isinstance(validator, MinValueValidator):
            low = Decimal(str(limit)) if low is None else max(low, Decimal(str(limit)))
        elif isinstance(validator, MaxValueValidator):
            high = Decimal(str(limit)) if high is None else min(high, Decimal(str(limit)))
    return low, high


def _around(low: Decimal | None, high: Decimal | None, step: Decimal) -> list[str]:
    """The bounds, one step either side, and -0."""
    values = ["-0", "0", "-1"]
    for bound in (low, high):
        if bound is not None:
            values += [str(bound - step), str(bound), str(bound + step), str(-bound)]
    return values


def _choice_values(field) -> list:
    values = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):
            values += [str(v) for v, _ in label]
        else:
            values.append(str(value))
    return values


def typed_hostile(field, model_field=None) -> st.SearchStrategy:
    """Values aimed at this kind of field: near and beyond its bounds, wrong choices, bad dates."""
    if isinstance(field, forms.ModelMultipleChoiceField | forms.ModelChoiceField):
        pks = [str(pk) for pk in field.queryset.values_list("pk", flat=True)[:20]]
        junk = ["0", "-1", "999999", str(2**63), "abc", "1.5", "٣"]
        one = st.sampled_from(pks + junk) if pks else st.sampled_from(junk)
        return st.one_of(one, st.lists(one, max_size=3))
    if isinstance(field, forms.MultipleChoiceField):
        values = _choice_values(field)
        one = st.sampled_from([*values, "not-a-choice", "", "ALL", "0"])
        return st.one_of(st.lists(one, max_size=len(values) + 2), one)
    if isinstance(field, forms.ChoiceField):
        values = _choice_values(field)
        wrong = [v.upper() + " " for v in values[:3]] + ["not-a-choice", "0", "99", "-1", "True"]
        some = st.sampled_from(values or ["x"])
        return st.one_of(some, st.sampled_from(wrong), st.lists(some, max_size=3))
    if isinstance(field, forms.NullBooleanField | forms.BooleanField):
        return st.sampled_from(["on", "true", "True", "false", "False", "1", "0", "2", "unknown", "yes", "", "off"])
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        low, high = _bounds(field, model_field)
        step = Decimal("1") if isinstance(field, forms.IntegerField) else Decimal("0.1")
        return st.one_of(
            st.sampled_from(_around(low, high, step) + HUGE + NOT_NUMBERS + OTHER_DIGITS),
            st.integers(min_value=-1000, max_value=100_000).map(str),
            st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
            st.floats().map(repr),
        )
    if isinstance(field, forms.DateTimeField):
        return st.one_of(
            st.sampled_from(BAD_DATES),
            st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31)).map(
                lambda d: d.strftime("%Y-%m-%dT%H:%M")
            ),
            st.builds(
                "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}".format,
                st.integers(0, 9999),
                st.integers(0, 13),
                st.integers(0, 32),
                st.integers(0, 25),
                st.integers(0, 61),
            ),
        )
    if isinstance(field, forms.DateField):
        return st.one_of(
            st.sampled_from(BAD_DATES),
            st.dates().map(datetime.date.isoformat),
            st.builds("{:04d}-{:02d}-{:02d}".format, st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32)),
        )
    if isinstance(field, forms.FileField):
        return st.one_of(
            st.binary(max_size=64).map(lambda b: SimpleUploadedFile("scan.pdf", b, "application/pdf")),
            st.just(SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, "image/png")),
            st.just(SimpleUploadedFile("empty.pdf", b"", "application/pdf")),
        )
    # Text: the field's own length limit, one over it, very long, odd characters.
    max_length = getattr(field, "max_length", None) or getattr(model_field, "max_length", None)
    around = ["x" * max_length, "x" * (max_length + 1)] if max_length else []
    odd = st.sampled_from([*around, *ODD_TEXT, *FORMAT_TRAPS, *OTHER_DIGITS])
    return st.one_of(odd, LONG_TEXT, st.text(max_size=60))


def _fitting(field) -> st.SearchStrategy | None:
    """Hypothesis's own strategy for a value that fits the field, when it can infer one."""
    try:
        strategy = from_field(field)
    except (HypothesisException, TypeError, ValueError, AttributeError):
        return None
    return strategy


def field_strategy(form_class, name: str, field) -> st.SearchStrategy:
    model_field = _model_field(form_class, name)
    parts = [typed_hostile(field, model_field), COMMON_HOSTILE]
    # Model choices are drawn from the rows by typed_hostile (from_field wants an ordered queryset).
    fitting = None if isinstance(field, forms.FileField | forms.ModelChoiceField) else _fitting(field)
    if fitting is not None:
        parts.insert(0, fitting)
    return st.one_of(parts)


def fields_data(form_class, fields: dict, *, prefix: str = "") -> st.SearchStrategy[dict]:
    """POST data with any subset of the fields, each hostile or not."""
    optional = {}
    for name, field in fields.items():
        key = f"{prefix}-{name}" if prefix else name
        optional[key] = field_strategy(form_class, name, field)
    return st.fixed_dictionaries({}, optional=optional)


def form_data(form_class, unbound: forms.BaseForm, form_kwargs: dict | None = None) -> st.SearchStrategy[dict]:
    """Data for one form: per-field hostile dicts, and `from_form` (plus one hostile field) where it works."""
    fields = {name: f for name, f in unbound.fields.items() if not f.disabled}
    per_field = fields_data(form_class, fields)
    sources = [per_field]
    whole = _from_form_data(form_class, form_kwargs or {}, fields)
    if whole is not None:
        one_bad = st.tuples(whole, st.sampled_from(sorted(fields)), st.data()).map(
            lambda t: {**t[0], t[1]: t[2].draw(typed_hostile(fields[t[1]], _model_field(form_class, t[1])))}
        )
        sources += [whole, one_bad]
    return st.one_of(sources)


def _from_form_data(form_class, form_kwargs: dict, fields: dict) -> st.SearchStrategy[dict] | None:
    """`from_form`, with our own strategy for the fields Hypothesis cannot infer (custom fields,
    model choices from unordered querysets, files)."""
    overrides = {}
    for name, field in fields.items():
        if isinstance(field, forms.ModelChoiceField | forms.FileField) or _fitting(field) is None:
            overrides[name] = field_strategy(form_class, name, field)
    try:
        if set(form_class(**form_kwargs).fields) != set(fields):
            return None  # fields added from outside (a filter set's form): from_form cannot see them
        strategy = from_form(form_class, form_kwargs=form_kwargs, **overrides)
    except (HypothesisException, TypeError, ValueError):
        return None

    def data_of(form):
        data = dict(form.data)
        data.update(form.files.items())
        return data

    return strategy.map(data_of)


def split_files(data: dict) -> tuple[dict, dict]:
    """Uploaded files go in `files`, everything else in `data` (as a browser sends them)."""
    files = {k: v for k, v in data.items() if isinstance(v, SimpleUploadedFile)}
    return {k: v for k, v in data.items() if k not in files}, files


def as_query_dict(data: dict) -> QueryDict:
    """Data as a view receives it (request.POST): a list is a key sent more than once."""
    query = QueryDict(mutable=True)
    for key, value in as_post(data).items():
        if isinstance(value, list):
            query.setlist(key, value)
        else:
            query[key] = value
    return query


def as_post(data: dict) -> dict:
    """Data as a browser would post it: strings, or lists of strings for repeated keys."""
    out = {}
    for key, value in data.items():
        if value is None:
            out[key] = ""
        elif isinstance(value, list | tuple):
            out[key] = [_as_text(v) for v in value]
        elif isinstance(value, SimpleUploadedFile):
            out[key] = value
        else:
            out[key] = _as_text(value)
    return out


def _as_text(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def error_messages(errors) -> list:
    """Every message of a form's errors (an ErrorDict), formatted as the page would show them."""
    return [message for error_list in errors.values() for message in error_list]


def submitted_values(data) -> list[str]:
    values = data.lists() if isinstance(data, QueryDict) else data.items()
    flat = []
    for _key, value in values:
        flat += [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
    return sorted((v for v in flat if "%" in v), key=len, reverse=True)


def assert_clear_messages(messages, data=None) -> None:
    """Each message is a non-empty string, fully formatted: no placeholder or doubled % left in it
    (apart from what the user typed, which a message may quote: "x is not one of the choices")."""
    echoed = submitted_values(data) if data is not None else []
    for message in messages:
        assert isinstance(message, str), message
        assert message.strip(), "an empty error message"
        own_words = message
        for value in echoed:
            own_words = own_words.replace(value, "")
        assert "%(" not in own_words and "%%" not in own_words, message
