"""Alembic migrations of the run store, shipped inside the package and run by ``open_store``.

A new revision: ``.venv/bin/alembic -c /dev/null`` is not needed; write the file by hand in
``versions/`` (``revision`` = the next number as a string, ``down_revision`` = the previous) and update
``robustness/history/schema.py`` to match. Revisions only add: a database made by an older version is
upgraded, never dropped.
"""
