"""The outbox: submissions wait here, encrypted, until the platform confirms them.

The UI process calls ``Outbox.enqueue`` (durable at once, receipt number at
once); the ``kiosk outbox worker`` process drains it with ``OutboxWorker``.
"""

from kiosk.outbox.store import Attachment, Outbox, QueuedSubmission

__all__ = ["Attachment", "Outbox", "QueuedSubmission"]
