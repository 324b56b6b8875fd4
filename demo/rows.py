"""Fast row building and bulk inserts for the demo data (demo data only; never for clinical writes).

seed_demo writes about 75 rows per pathway (half of them history rows), so at 100,000 pathways the
cost per row decides the run time. Three things keep it low:

- `new(Model, **fields)` builds a model instance without Model.__init__ (no per-field descriptor
  calls, no init signals): the fields' defaults, then the given values, foreign keys by object or by
  id. The result is an ordinary unsaved instance (its methods and properties work).
- `bulk_insert` assigns the ids up front (children can point at them at once) and sends the rows
  in one statement per batch: COPY on PostgreSQL, executemany on SQLite. No save(), so no save
  signals: the builder fills the pathways' stored state in bulk afterwards.
- `bulk_create_with_history` then writes the "created" history rows inside the database, one
  INSERT ... SELECT over the new ids, instead of building a second Python object per row.

Everything runs inside seed_demo's transaction, with nothing else writing these tables.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable, Sequence

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.db.models.base import ModelState
from django.utils import timezone

# --- building instances ----------------------------------------------------------------------------


class _Spec:
    """What `new` needs to know about a model, worked out once."""

    def __init__(self, model):
        self.static: dict[str, object] = {}
        self.dynamic: list[tuple[str, Callable[[], object]]] = []
        self.relations: dict[str, str] = {}
        self.names: set[str] = set()
        for f in model._meta.concrete_fields:
            self.names.add(f.attname)
            if f.is_relation:
                self.relations[f.name] = f.attname
            if f.has_default() and callable(f.default):
                self.dynamic.append((f.attname, f.default))
            else:
                self.static[f.attname] = f.get_default()


_SPECS: dict[type, _Spec] = {}


def new(model: type[models.Model], **values) -> models.Model:
    """An unsaved `model` instance with `values`, as Model(**values) would make it, several times
    faster. Only concrete fields (by name, or a foreign key's attname) are accepted."""
    spec = _SPECS.get(model)
    if spec is None:
        spec = _SPECS[model] = _Spec(model)
    obj = model.__new__(model)
    obj._state = model_state = ModelState()
    data = obj.__dict__
    data.update(spec.static)
    for attname, factory in spec.dynamic:
        if attname not in values:
            data[attname] = factory()
    for name, value in values.items():
        attname = spec.relations.get(name)
        if attname is not None:
            data[attname] = None if value is None else value.pk
            model_state.fields_cache[name] = value
        elif name in spec.names:
            data[name] = value
        else:
            raise TypeError(f"{model.__name__} has no field {name!r}")
    return obj


# --- inserting rows --------------------------------------------------------------------------------


def _adapter(field: models.Field) -> Callable | None:
    """How one field's value goes to the database driver, decided once per field (not per value);
    None when the driver takes the Python value as it is."""
    internal = field.get_internal_type()
    postgres = connection.vendor == "postgresql"
    if internal == "DateTimeField":
        if postgres:
            return None
        tz = connection.timezone  # what Django's SQLite backend stores: naive, in the connection's zone

        return lambda value: str(value.astimezone(tz).replace(tzinfo=None))
    if internal == "DateField":
        return None if postgres else datetime.date.isoformat
    if internal in ("DecimalField", "JSONField", "UUIDField", "TimeField", "FileField", "ImageField", "BinaryField"):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def _insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    fields = model._meta.concrete_fields
    adapters = [(i, a) for i, f in enumerate(fields) if (a := _adapter(f)) is not None]
    values = operator.itemgetter(*[f.attname for f in fields])
    rows = []
    for obj in objs:
        row = list(values(obj.__dict__))
        for i, adapt in adapters:
            if row[i] is not None:
                row[i] = adapt(row[i])
        rows.append(row)
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Table and column names come from the models, never from input.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def bulk_insert(objs: list[models.Model], model: type[models.Model]) -> list[models.Model]:
    """Insert rows with ids assigned up front (so children can point at them), no history."""
    if not objs:
        return objs
    start = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
    alias = connection.alias
    for offset, obj in enumerate(objs):
        obj.pk = start + offset
        obj._state.adding = False
        obj._state.db = alias
    _insert(model, objs)
    _reset_sequences(model)
    return objs


def bulk_create_with_history(objs: list[models.Model], model, *, default_user) -> list[models.Model]:
    """Like simple-history's bulk_create_with_history (a "created" history row per row, by
    `default_user`, dated now), many times faster for demo volumes: the rows go in with
    `bulk_insert`, then their history rows are copied from them in one INSERT ... SELECT."""
    if not objs:
        return objs
    bulk_insert(objs, model)
    _history_from_rows(model, objs[0].pk, objs[-1].pk, user_id=default_user.pk, when=timezone.now())
    return objs


def _history_from_rows(model, first: int, last: int, *, user_id: int, when: datetime.datetime) -> None:
    history = model.history.model
    main = {f.attname: f.column for f in model._meta.concrete_fields}
    extra = {
        "history_date": connection.ops.adapt_datetimefield_value(when),
        "history_change_reason": None,
        "history_type": "+",
        "history_user_id": user_id,
    }
    quote = connection.ops.quote_name
    columns, selected, params = [], [], []
    for f in history._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(quote(f.column))
        if f.attname in main:
            selected.append("t." + quote(main[f.attname]))
        elif f.attname in extra:
            selected.append("%s")
            params.append(extra[f.attname])
        else:
            raise ValueError(f"No value for {history.__name__}.{f.attname}")
    pk = quote(model._meta.pk.column)
    # Identifiers from the models' metadata, quoted; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(selected)} FROM {quote(model._meta.db_table)} t "
        f"WHERE t.{pk} BETWEEN %s AND %s ORDER BY t.{pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, first, last])


def _reset_sequences(model) -> None:
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)
