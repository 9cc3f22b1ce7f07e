"""A migration operation that turns a DECIMAL roubles column into whole kopecks (`MoneyField`)."""

from __future__ import annotations

from django.db import migrations


class DecimalToKopecks(migrations.AlterField):
    """`AlterField` from a `DecimalField` to a `MoneyField` that also converts the stored values.

    PostgreSQL changes the column type with `USING round(x * 100)`; SQLite multiplies in place and
    then remakes the table with the integer column.
    """

    def _convert(self, schema_editor, model, factor: str, to_integer: bool) -> None:
        field = model._meta.get_field(self.name)
        table, column = schema_editor.quote_name(model._meta.db_table), schema_editor.quote_name(field.column)
        if schema_editor.connection.vendor == "postgresql":
            if to_integer:
                sql = f"ALTER TABLE {table} ALTER COLUMN {column} TYPE bigint USING round({column} * 100)::bigint"
            else:
                sql = f"ALTER TABLE {table} ALTER COLUMN {column} TYPE numeric(16, 2) USING {column} / 100.0"
            schema_editor.execute(sql)
            return
        expression = f"CAST(ROUND({column} * 100) AS INTEGER)" if to_integer else f"{column} / 100.0"
        schema_editor.execute(f"UPDATE {table} SET {column} = {expression} WHERE {column} IS NOT NULL")  # noqa: S608  # nosec B608 (names quoted by the schema editor)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        self._convert(schema_editor, model, "100", to_integer=True)
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        self._convert(schema_editor, model, "0.01", to_integer=False)
        if schema_editor.connection.vendor != "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"Convert {self.model_name}.{self.name} to whole kopecks"
