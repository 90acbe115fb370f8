"""What the pages keep between requests: filing drafts.

The rows are in the database and the files in the attachments' shared storage,
not on a web host's local disk, so that any web host can serve the next request
of the same person."""

import uuid

from django.conf import settings
from django.db import models

from consult.models import attachment_storage


def draft_file_name(instance, filename: str) -> str:
    """A random stored name under ``drafts/``: nothing a person typed reaches the disk."""
    return f"drafts/{uuid.uuid4().hex}.bin"


class FilingDraft(models.Model):
    """What a person has entered on the new-consultation form (frontend.drafts)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    checked = models.BooleanField(default=False)  # the form was valid when last submitted
    revision = models.PositiveIntegerField(default=0)
    filing = models.BooleanField(default=False)  # taken by a filing request: nobody else may take it
    updated_at = models.DateTimeField(db_index=True)  # drafts untouched for a day expire

    def __str__(self) -> str:
        return str(self.id)


class FilingDraftFile(models.Model):
    """A file uploaded with a draft, kept until filing hands it to the service."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    draft = models.ForeignKey(FilingDraft, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)  # as shown (sanitised)
    raw_name = models.CharField(max_length=1024)  # as uploaded; the service sanitises it again
    size = models.PositiveBigIntegerField()
    # Streamed to the storage in chunks, never held whole in memory. Deleting the
    # row (with its draft, or its owner) removes the stored file: frontend.signals.
    file = models.FileField(storage=attachment_storage, upload_to=draft_file_name, max_length=255)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class SavedView(models.Model):
    """A liaison's saved filter and sort of the queue (frontend.saved_views): private to
    its creator, or shared with one of the creator's offices, whose members all see it."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    # Set: shared with this office's members (only the creator or the office's lead edits it).
    office = models.ForeignKey(
        "routing.Office", null=True, blank=True, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=100)
    # The queue page's GET parameters, as validated by its filter form (defaults left out).
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
