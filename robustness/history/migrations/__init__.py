"""Alembic migrations of the run store, shipped inside the package and run by ``open_store``.

A new revision is a file written by hand in ``versions/`` (``revision`` = the next number as a string,
``down_revision`` = the previous one); then update ``robustness/history/schema.py`` and ``store.HEAD`` to
match (tests/history checks all three agree). Revisions only add: a database made by an older version is
upgraded, never dropped.
"""
