"""Streamlit glue shared by the pages: session state, caches, views and the server's settings.

Lives beside ``pages/`` (not inside it) so that only real pages can be reached by URL. Installed
with the project (``pip install -e .``), so pages import it without editing ``sys.path``.
"""
