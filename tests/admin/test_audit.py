"""The audit log in the admin: readable, never changed."""

from django.urls import reverse

from recall.models import AuditEntry
from recall.services import lifecycle


def test_the_audit_log_cannot_be_changed(client, alice, applied):
    lifecycle.refuse(applied, actor=alice, reason="late")
    client.force_login(alice)
    entry = applied.audit_entries.first()
    before = list(AuditEntry.objects.values())
    page = client.get(reverse("admin:recall_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    changed = client.post(reverse("admin:recall_auditentry_change", args=[entry.pk]), {"reason": "rewritten"})
    assert changed.status_code == 403
    assert client.get(reverse("admin:recall_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:recall_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert list(AuditEntry.objects.values()) == before
