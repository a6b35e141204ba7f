"""Compress the snapshots' explanations with LZ4 on PostgreSQL (14+, when built
with it; Debian's is): a recompute writes ~5 KB of JSON per product, and LZ4
compresses it several times faster than the default pglz. Rows already stored
keep their compression; elsewhere (SQLite) this does nothing."""

from django.db import DatabaseError, migrations, transaction

TABLE = "health_productsnapshot"


def lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                f"ALTER TABLE {TABLE} ALTER COLUMN components SET COMPRESSION lz4"
            )
    except DatabaseError:
        pass  # a server built without LZ4 keeps pglz


def pglz(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE {TABLE} ALTER COLUMN components SET COMPRESSION pglz"
        )


class Migration(migrations.Migration):
    dependencies = [("health", "0002_default_policy")]

    operations = [migrations.RunPython(lz4, pglz)]
