"""Fast row building and bulk inserts for the demo data (demo data only; never for clinical writes).

seed_demo writes about 75 rows per pathway (half of them history rows), so at 100,000 pathways the
cost per row decides the run time. What keeps it low:

- `new(Model, **fields)` builds a model instance without Model.__init__ (no per-field descriptor
  calls, no init signals): the fields' defaults, then the given values, foreign keys by object or by
  id. The result is an ordinary unsaved instance (its methods and properties work).
- `bulk_insert` assigns the ids up front (children can point at them at once); the rows go in one
  statement per table and chunk: COPY on PostgreSQL, executemany on SQLite. No save(), so no save
  signals: the builder stores the pathways' state in bulk afterwards.
- `bulk_create_with_history` then writes the "created" history rows inside the database, one
  INSERT ... SELECT over the new ids, instead of building a second Python object per row.
- A `RowWriter` writes each chunk in one transaction, from a second thread when it can, while the
  next chunk is built; on PostgreSQL, as a superuser, without the per-row foreign-key triggers.

Nothing else writes these tables while seed_demo runs.
"""

from __future__ import annotations

import datetime
import json
import operator
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.db.models.base import ModelState
from django.utils import timezone

# --- building instances ----------------------------------------------------------------------------


class _Spec:
    """What `new` needs to know about a model, worked out once."""

    def __init__(self, model):
        self.static: dict[str, object] = {}
        self.dynamic: list[tuple[str, Callable[[], object]]] = []
        # A foreign key by name: its id column, and the field of the target it holds.
        self.relations: dict[str, tuple[str, str]] = {}
        self.names: set[str] = set()
        for f in model._meta.concrete_fields:
            self.names.add(f.attname)
            if f.is_relation:
                self.relations[f.name] = (f.attname, f.target_field.attname)
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
    model_state.fields_cache = cache = {}
    data = obj.__dict__
    data.update(spec.static)
    now = None
    for attname, factory in spec.dynamic:
        if attname not in values:
            if factory is timezone.now:  # created_at and updated_at alike, read once
                now = now or factory()
                data[attname] = now
            else:
                data[attname] = factory()
    relations = spec.relations
    for name, value in values.items():
        relation = relations.get(name)
        if relation is not None:
            data[relation[0]] = None if value is None else getattr(value, relation[1])
            cache[name] = value
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
    if internal in ("FileField", "ImageField"):
        return lambda value: field.get_db_prep_save(value, connection)
    if postgres:
        # Binary COPY: psycopg dumps dates, times, decimals, bytes, UUIDs and JSON (as jsonb) itself.
        if internal == "JSONField" and field.encoder is not None:
            encoder = field.encoder
            return lambda value: json.loads(json.dumps(value, cls=encoder))
        return None
    if internal == "DateTimeField":
        tz = connection.timezone  # what Django's SQLite backend stores: naive, in the connection's zone

        return lambda value: str(value.astimezone(tz).replace(tzinfo=None))
    if internal == "DateField":
        return datetime.date.isoformat
    if internal == "JSONField":
        encoder = field.encoder
        return lambda value: json.dumps(value, cls=encoder)
    if internal in ("UUIDField", "TimeField"):
        return lambda value: field.get_db_prep_save(value, connection)
    # Strings, numbers, booleans, Decimal and bytes go as they are (Django registers Decimal with
    # sqlite3).
    return None


_COLUMN_TYPES: dict[str, dict[str, str]] = {}


def _column_types(table: str) -> dict[str, str]:
    """PostgreSQL's type of each column of `table` (int8, varchar, timestamptz...), for binary COPY."""
    types = _COLUMN_TYPES.get(table)
    if types is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_name, udt_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s",
                [table],
            )
            types = _COLUMN_TYPES[table] = dict(cursor.fetchall())
    return types


def insert_rows(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Send `objs` (their ids set) in one statement: a binary COPY on PostgreSQL (the cheapest
    way in, for Python and the server alike), executemany on SQLite."""
    fields = model._meta.concrete_fields
    adapters = [(i, a) for i, f in enumerate(fields) if (a := _adapter(f)) is not None]
    values = operator.itemgetter(*[f.attname for f in fields])
    if adapters:
        rows = []
        for obj in objs:
            row = list(values(obj.__dict__))
            for i, adapt in adapters:
                if row[i] is not None:
                    row[i] = adapt(row[i])
            rows.append(row)
    else:
        rows = [values(obj.__dict__) for obj in objs]
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = _column_types(model._meta.db_table)
            # Table and column names come from the models, never from input.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([types[f.column] for f in fields])
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


# --- the writer: ids at once, rows written per chunk ------------------------------------------------


class RowWriter:
    """Where the builder's rows go. `bulk_insert` and `bulk_create_with_history` give the instances
    their ids at once (children point at them straight away) and queue the writes; `end_chunk`
    writes a chunk's rows in one transaction. Threaded, a second thread (with its own connection)
    writes a chunk while the next one is built, so the database and Python work side by side;
    otherwise (inside a caller's transaction, as in the tests) the chunk is written there and then.
    The fillers never read back what they wrote: what later stages need travels on the plans."""

    def __init__(self, *, threaded: bool):
        self.threaded = threaded
        self.next_ids: dict[type[models.Model], int] = {}
        self.steps: list[Callable[[], object]] = []
        self.touched: dict[type[models.Model], None] = {}
        self.error: BaseException | None = None
        self.cancelled = False
        self.chunks = 0
        self.apps: set = set()
        if threaded:
            self.queue: queue.Queue = queue.Queue(maxsize=1)
            self.thread = threading.Thread(target=self._run, name="seed-demo-writer", daemon=True)
            self.thread.start()

    def allocate(self, model: type[models.Model], count: int) -> int:
        """The first of `count` new ids of `model` (the table's highest id is read once per build)."""
        start = self.next_ids.get(model)
        if start is None:
            start = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
        self.next_ids[model] = start + count
        self.touched[model] = None
        return start

    def add(self, step: Callable[[], object]) -> None:
        self.steps.append(step)

    def end_chunk(self) -> None:
        steps, self.steps = self.steps, []
        # Move each table's id sequence past the ids given out, so later inserts never collide.
        steps += [partial(_reset_sequences, model) for model in self.touched]
        self.apps.update(model._meta.app_config for model in self.touched)
        self.touched = {}
        self.chunks += 1
        after = []
        if self.chunks in ANALYZE_AFTER_CHUNKS:
            after.append(partial(_analyze, list(self.apps)))
        if not self.threaded:
            _write(steps, after)
            return
        self._raise()
        self.queue.put((steps, after))

    def close(self, *, cancel: bool = False) -> None:
        if self.threaded:
            self.cancelled = self.cancelled or cancel
            self.queue.put(None)
            self.thread.join()
        if not cancel:
            self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            while (item := self.queue.get()) is not None:
                if self.error is None and not self.cancelled:
                    try:
                        _write(*item)
                    except Exception as exc:  # noqa: BLE001 (handed to the building thread, raised there)
                        self.error = exc
        finally:
            connection.close()


def _write(steps: list[Callable[[], object]], after: list[Callable[[], object]]) -> None:
    with transaction.atomic():
        without_foreign_key_triggers()
        for step in steps:
            step()
    for step in after:
        step()


# PostgreSQL plans the writer's INSERT ... SELECT statements (and state.compute's queries) from
# table statistics; tables that started empty have none until analysed (autovacuum may be off, or
# behind), and the plans made for empty tables cost several times more once they are large. The
# tables seeded are analysed after these chunks (each ANALYZE reads a sample, growing with the
# table up to a bound; the planner scales the statistics to the tables' size later).
ANALYZE_AFTER_CHUNKS = {1, 8}


def _analyze(app_configs) -> None:
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    tables = sorted(
        {m._meta.db_table for app in app_configs for m in app.get_models() if m._meta.managed and not m._meta.proxy}
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(quote(t) for t in tables)}")  # names from the models


_writer: RowWriter | None = None


@contextmanager
def writing(*, threaded: bool) -> Iterator[RowWriter]:
    """The writer the bulk functions below use while the builder runs."""
    global _writer
    writer = _writer = RowWriter(threaded=threaded)
    try:
        yield writer
    except BaseException:
        writer.close(cancel=True)
        raise
    else:
        writer.close()
    finally:
        _writer = None


def _current() -> RowWriter:
    if _writer is None:
        raise RuntimeError("Demo rows are written through demo.rows.writing() (DemoBuilder.build).")
    return _writer


def then(step: Callable[[], object]) -> None:
    """Run `step` (set-based SQL over rows already queued) in order with the chunk's writes."""
    _current().add(step)


def bulk_insert(objs: list[models.Model], model: type[models.Model]) -> list[models.Model]:
    """Give the rows their ids and queue their insert (no history)."""
    if not objs:
        return objs
    writer = _current()
    start = writer.allocate(model, len(objs))
    alias = connection.alias
    for offset, obj in enumerate(objs):
        obj.pk = start + offset
        obj._state.adding = False
        obj._state.db = alias
    writer.add(partial(insert_rows, model, objs))
    return objs


def bulk_create_with_history(objs: list[models.Model], model, *, default_user) -> list[models.Model]:
    """Like simple-history's bulk_create_with_history (a "created" history row per row, by
    `default_user`, dated now), many times faster for demo volumes: the rows go in with
    `bulk_insert`, then their history rows are copied from them in one INSERT ... SELECT."""
    if not objs:
        return objs
    bulk_insert(objs, model)
    then(partial(_history_from_rows, model, objs[0].pk, objs[-1].pk, user_id=default_user.pk, when=timezone.now()))
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


def without_foreign_key_triggers() -> None:
    """On PostgreSQL, for the rest of the current transaction, skip the foreign-key triggers: each
    inserted row otherwise queues a check that runs at commit, a lookup and a row lock on its parent,
    about a third of the seeding time. The ids come from rows inserted just before in the same
    transaction (or the demo users), so the checks could only fail on a bug in the builder; the test
    suite and SQLite runs of seed_demo keep the checks and would catch one.

    Needs a superuser (the usual local development role); otherwise the triggers stay on and the
    seeding is only slower. Never used outside seed_demo."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")


def _reset_sequences(model) -> None:
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)
