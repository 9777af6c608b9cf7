"""Writes of the recall domain, grouped by what they serve. Views, admin actions, API views and
tasks call these; nothing else writes.

- ``signing``: every way a signature arrives (web with a text-message code, partner, EDS);
- ``verification``: machine verification, officials' review, counts, paper sheets;
- ``lifecycle``: the petition's state machine and its steps, deadlines;
- ``ledger``: the public ledger, the random sample, witnesses;
- ``privacy``: data keys, retention and the purge, the voter's own data;
- ``groups``: initiative groups, their paper sheets, deputies;
- ``notices``: e-mails, text messages and webhooks sent after a change commits;
- ``jobs``: imports and exports of files, and the background jobs that run them;
- ``public``: the public cache and open data;
- ``audit`` and ``queue``: the audit log, and handing work to Celery after commit, used by all.
"""
