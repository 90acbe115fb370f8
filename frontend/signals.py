"""A draft file's stored file goes with its row.

A FileField does not delete its file; the row goes by ``delete()``, ``sweep()``,
after filing, by removing one file, or by cascade (a person deleted), so the
file is removed here, once for every path, and only when the deletion commits
(a rolled-back deletion keeps its files)."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import FilingDraftFile


@receiver(post_delete, sender=FilingDraftFile, dispatch_uid="frontend.draft-file-stored")
def remove_stored_file(sender, instance: FilingDraftFile, **kwargs) -> None:
    name = instance.file.name
    if name:
        storage = instance.file.storage
        transaction.on_commit(lambda: storage.delete(name))
