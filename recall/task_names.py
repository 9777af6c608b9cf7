"""The names of the Celery tasks, defined once.

Services hand work to the workers by these names (recall.services.queue) and never import
recall.tasks, which imports the services: no import circle, and a test checks that every
name here is a registered task (tests/workers/test_task_names.py).
"""

VERIFY_SIGNATURES = "recall.tasks.verify_signatures"
REQUEUE_UNVERIFIED = "recall.tasks.requeue_unverified"
RECONCILE_COUNTS = "recall.tasks.reconcile_counts"
SEND_CHALLENGE_CODE = "recall.tasks.send_challenge_code"
SEND_RECEIPT = "recall.tasks.send_receipt"
SEND_GROUP_CODE = "recall.tasks.send_group_code"
SEND_FOLLOW_NOTICE = "recall.tasks.send_follow_notice"
SEND_NOTICES = "recall.tasks.send_notices"
SWEEP_NOTICES = "recall.tasks.sweep_notices"
IMPORT_REGISTER_FILE = "recall.tasks.import_register_file"
IMPORT_PAPER_SHEET = "recall.tasks.import_paper_sheet"
DELIVER_WEBHOOK = "recall.tasks.deliver_webhook"
RETRY_WEBHOOKS = "recall.tasks.retry_webhooks"
ADVANCE_WINDOWS = "recall.tasks.advance_windows"
PURGE_EXPIRED = "recall.tasks.purge_expired"
PURGE_PERSONAL_DATA = "recall.tasks.purge_personal_data"
SIGN_LEDGER_CHECKPOINTS = "recall.tasks.sign_ledger_checkpoints"
RECOVER_JOBS = "recall.tasks.recover_jobs"
DECIDE_HELD_SIGNATURES = "recall.tasks.decide_held_signatures"
REFRESH_CRLS = "recall.tasks.refresh_crls"
PUSH_CHECKPOINT = "recall.tasks.push_checkpoint"
PUSH_LEDGER_WITNESSES = "recall.tasks.push_ledger_witnesses"
DRAW_DUE_SAMPLES = "recall.tasks.draw_due_samples"
ISSUE_CERTIFIED_SUMMARY = "recall.tasks.issue_certified_summary"
RUN_PETITION_JOB = "recall.tasks.run_petition_job"
SEND_DEADLINE_REMINDERS = "recall.tasks.send_deadline_reminders"

ALL = tuple(value for name, value in sorted(globals().items()) if name.isupper() and isinstance(value, str))
