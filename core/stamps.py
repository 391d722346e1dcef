"""Change stamps kept by the database: a parent row's stamp changes with every write to its children.

A process may keep what it derived from a parent's children (a team's SLA
policies and calendar, say) under the parent's stamp, and trust it for as long
as the parent row it reads carries the same stamp. The stamp is a random
64-bit number, not a counter, so a rolled-back change or a reused id can
never make an old entry look current.

The triggers are written for every row inserted, changed or deleted, including
bulk inserts and deletes that send no Django signals. Migrations install them
with :func:`stamp_triggers`; a test checks that each still fires, since
SQLite drops a table's triggers when a later migration rebuilds the table.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

_RANDOM = {
    # Uniform over the positive range of a bigint (PostgreSQL's random() gives 52 bits: plenty against collisions).
    "postgresql": "floor(random() * 9007199254740991)::bigint",
    "sqlite": "abs(random() / 1024)",
}


def new_stamp() -> int:
    return secrets.randbits(53)


@dataclass(frozen=True)
class StampTrigger:
    """Rows of ``child_table`` stamp the ``parent_table`` row that ``parent_of`` names.

    ``parent_of`` is an SQL expression over ``{row}`` (``NEW`` or ``OLD``) giving the
    parent's id: ``{row}.team_id``, or a subquery for a grandchild.
    """

    name: str
    child_table: str
    parent_table: str
    stamp_column: str
    parent_of: str

    def _update(self, vendor: str, row: str) -> str:
        # Table and column names come from migrations, never from input.
        table, column, parent = self.parent_table, self.stamp_column, self.parent_of.format(row=row)
        return f"UPDATE {table} SET {column} = {_RANDOM[vendor]} WHERE id = ({parent})"  # noqa: S608

    def create_sql(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            body = (
                "BEGIN\n"
                f"  IF TG_OP <> 'INSERT' THEN {self._update(vendor, 'OLD')}; END IF;\n"
                f"  IF TG_OP <> 'DELETE' THEN {self._update(vendor, 'NEW')}; END IF;\n"
                "  RETURN NULL;\nEND"
            )
            return [
                f"CREATE OR REPLACE FUNCTION {self.name}() RETURNS trigger LANGUAGE plpgsql AS $$\n{body}\n$$",
                f"CREATE TRIGGER {self.name} AFTER INSERT OR UPDATE OR DELETE ON {self.child_table} "
                f"FOR EACH ROW EXECUTE FUNCTION {self.name}()",
            ]
        if vendor == "sqlite":
            statements = []
            for event, rows in (("INSERT", ["NEW"]), ("UPDATE", ["OLD", "NEW"]), ("DELETE", ["OLD"])):
                updates = "".join(f"{self._update(vendor, row)}; " for row in rows)
                statements.append(
                    f"CREATE TRIGGER {self.name}_{event.lower()} AFTER {event} ON {self.child_table} "
                    f"FOR EACH ROW BEGIN {updates}END"
                )
            return statements
        raise NotImplementedError(f"no change-stamp triggers for the {vendor} database")

    def drop_sql(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            return [
                f"DROP TRIGGER IF EXISTS {self.name} ON {self.child_table}",
                f"DROP FUNCTION IF EXISTS {self.name}()",
            ]
        return [f"DROP TRIGGER IF EXISTS {self.name}_{event}" for event in ("insert", "update", "delete")]


def stamp_triggers(*triggers: StampTrigger):  # type: ignore[no-untyped-def]
    """The ``RunPython`` operation (with its reverse) that installs ``triggers`` on this database."""
    from django.db import migrations

    def install(apps, schema_editor: BaseDatabaseSchemaEditor) -> None:  # type: ignore[no-untyped-def]
        for trigger in triggers:
            for sql in trigger.drop_sql(schema_editor.connection.vendor) + trigger.create_sql(
                schema_editor.connection.vendor
            ):
                schema_editor.execute(sql)

    def remove(apps, schema_editor: BaseDatabaseSchemaEditor) -> None:  # type: ignore[no-untyped-def]
        for trigger in triggers:
            for sql in trigger.drop_sql(schema_editor.connection.vendor):
                schema_editor.execute(sql)

    return migrations.RunPython(install, remove)
