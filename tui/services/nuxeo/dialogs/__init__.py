"""The Documents pane's modal screens: the editor (with drafts and conflicts), search, and the operation runner."""

from tui.services.nuxeo.dialogs.edit import ConflictDialog, EditDocumentDialog, SaveResult, field_name
from tui.services.nuxeo.dialogs.operations import OperationDialog, ResultDialog, operation_fields
from tui.services.nuxeo.dialogs.search import SearchDialog

__all__ = [
    "ConflictDialog",
    "EditDocumentDialog",
    "OperationDialog",
    "ResultDialog",
    "SaveResult",
    "SearchDialog",
    "field_name",
    "operation_fields",
]
