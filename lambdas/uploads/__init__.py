"""S3 ObjectCreated under ``attachments/`` -> the attachment processor, ``uploads.processor.handler``."""

__all__ = ["processor"]
