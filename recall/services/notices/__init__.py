"""What the service tells people outside it, always after the change commits.

- ``outbox``: every notice written with the change it announces, sent at least once, recorded once;
- ``progress``: e-mails to commissions about a petition's progress;
- ``outcome_notices``: the signers who asked to hear how a petition ends;
- ``webhooks``: partners' webhooks, through an outbox written with the change;
- ``outbound``: HTTP to partners' addresses, safe against server-side request forgery.
"""
