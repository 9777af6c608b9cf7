"""Files in and out, and the background jobs that carry them.

- ``csv_files``: reading the CSV files officials upload;
- ``register_import``, ``places_import``: the voter register, the districts and their bodies;
- ``uploads``: running an uploaded file's import in the background, exactly once;
- ``job_progress``: an import's progress, readable while its transaction is open;
- ``exports``: a petition's signatures as CSV and PDF, the certified summary;
- ``petition_jobs``: heavy work on a petition (large PDFs, bulk invalidation) run by a worker.
"""
