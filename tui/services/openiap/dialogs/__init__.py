"""The Queues pane's modal screens: publish a message, the "add a source" prompt, the document editor of the
collections browser, and the work item queues (pick one to follow, create, edit, purge, delete)."""

from tui.services.openiap.dialogs.document import DocumentEditor, parse_document
from tui.services.openiap.dialogs.prompt import PromptDialog
from tui.services.openiap.dialogs.publish import PublishDialog, parse_payload
from tui.services.openiap.dialogs.workitem_queues import WorkitemQueueForm, WorkitemQueuesDialog

__all__ = [
    "DocumentEditor",
    "PromptDialog",
    "PublishDialog",
    "WorkitemQueueForm",
    "WorkitemQueuesDialog",
    "parse_document",
    "parse_payload",
]
