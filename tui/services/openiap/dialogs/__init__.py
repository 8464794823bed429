"""The Queues pane's modal screens: publish a message, the "add a source" prompt, and the work item queues
(pick one to follow, create, edit, purge, delete)."""

from tui.services.openiap.dialogs.prompt import PromptDialog
from tui.services.openiap.dialogs.publish import PublishDialog, parse_payload
from tui.services.openiap.dialogs.workitem_queues import WorkitemQueueForm, WorkitemQueuesDialog

__all__ = ["PromptDialog", "PublishDialog", "WorkitemQueueForm", "WorkitemQueuesDialog", "parse_payload"]
