"""What search reads: each consultation's text and vectors, kept apart by who may see them."""

from django.db import models

from .backend import TermsVectorField


class ConsultationText(models.Model):
    """One consultation's search text, rebuilt whenever it changes (``search.tasks``).

    ``public_*`` holds what every party to the consultation may read (reference, title,
    body, replies, their attachments); ``full_vector`` adds the internal notes and their
    attachments, searched only for those who see internal notes (``consult.selectors.
    sees_internal``). The internal text is kept apart for highlights."""

    consultation = models.OneToOneField(
        "consult.Consultation", primary_key=True, on_delete=models.CASCADE, related_name="search_text"
    )
    public_text = models.TextField(blank=True, default="")
    internal_text = models.TextField(blank=True, default="")
    public_vector = TermsVectorField()
    full_vector = TermsVectorField()
    # What the text was built from (``services.source_stamps``): equal means up to date.
    stamp = models.CharField(max_length=100, blank=True, default="")
    built_at = models.DateTimeField()

    class Meta:
        verbose_name = "相談の検索テキスト"
        verbose_name_plural = "相談の検索テキスト"

    def __str__(self) -> str:
        return f"{self.consultation_id}"


class AttachmentText(models.Model):
    """The text read from an attachment, once (files do not change after upload)."""

    attachment = models.OneToOneField(
        "consult.Attachment", primary_key=True, on_delete=models.CASCADE, related_name="search_text"
    )
    text = models.TextField(blank=True, default="")
    error = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "添付ファイルのテキスト"
        verbose_name_plural = "添付ファイルのテキスト"

    def __str__(self) -> str:
        return f"{self.attachment_id}"
