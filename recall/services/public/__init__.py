"""What anyone may read: the public cache of the hot reads, and the open data tables.

- ``public_cache``: the shared cache of the public reads, dropped when counts change;
- ``open_data``: the public figures as tables to download and reuse.
"""
