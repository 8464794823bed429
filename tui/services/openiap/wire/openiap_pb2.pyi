from google.protobuf import any_pb2 as _any_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Envelope(_message.Message):
    __slots__ = ("command", "priority", "seq", "id", "rid", "data", "jwt", "traceid", "spanid")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    RID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    JWT_FIELD_NUMBER: _ClassVar[int]
    TRACEID_FIELD_NUMBER: _ClassVar[int]
    SPANID_FIELD_NUMBER: _ClassVar[int]
    command: str
    priority: int
    seq: int
    id: str
    rid: str
    data: _any_pb2.Any
    jwt: str
    traceid: str
    spanid: str
    def __init__(self, command: _Optional[str] = ..., priority: _Optional[int] = ..., seq: _Optional[int] = ..., id: _Optional[str] = ..., rid: _Optional[str] = ..., data: _Optional[_Union[_any_pb2.Any, _Mapping]] = ..., jwt: _Optional[str] = ..., traceid: _Optional[str] = ..., spanid: _Optional[str] = ...) -> None: ...

class PingRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PingResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ErrorResponse(_message.Message):
    __slots__ = ("message", "code", "stack")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    STACK_FIELD_NUMBER: _ClassVar[int]
    message: str
    code: int
    stack: str
    def __init__(self, message: _Optional[str] = ..., code: _Optional[int] = ..., stack: _Optional[str] = ...) -> None: ...

class Role(_message.Message):
    __slots__ = ("_id", "name")
    _ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    _id: str
    name: str
    def __init__(self, _id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class User(_message.Message):
    __slots__ = ("_id", "name", "username", "email", "roles")
    _ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    _id: str
    name: str
    username: str
    email: str
    roles: _containers.RepeatedCompositeFieldContainer[Role]
    def __init__(self, _id: _Optional[str] = ..., name: _Optional[str] = ..., username: _Optional[str] = ..., email: _Optional[str] = ..., roles: _Optional[_Iterable[_Union[Role, _Mapping]]] = ...) -> None: ...

class SigninRequest(_message.Message):
    __slots__ = ("username", "password", "jwt", "ping", "validateonly", "agent", "version", "longtoken")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    JWT_FIELD_NUMBER: _ClassVar[int]
    PING_FIELD_NUMBER: _ClassVar[int]
    VALIDATEONLY_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LONGTOKEN_FIELD_NUMBER: _ClassVar[int]
    username: str
    password: str
    jwt: str
    ping: bool
    validateonly: bool
    agent: str
    version: str
    longtoken: bool
    def __init__(self, username: _Optional[str] = ..., password: _Optional[str] = ..., jwt: _Optional[str] = ..., ping: bool = ..., validateonly: bool = ..., agent: _Optional[str] = ..., version: _Optional[str] = ..., longtoken: bool = ...) -> None: ...

class SigninResponse(_message.Message):
    __slots__ = ("jwt", "user", "config")
    JWT_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    jwt: str
    user: User
    config: str
    def __init__(self, jwt: _Optional[str] = ..., user: _Optional[_Union[User, _Mapping]] = ..., config: _Optional[str] = ...) -> None: ...

class RefreshToken(_message.Message):
    __slots__ = ("username", "jwt", "user")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    JWT_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    username: str
    jwt: str
    user: User
    def __init__(self, username: _Optional[str] = ..., jwt: _Optional[str] = ..., user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class QueryRequest(_message.Message):
    __slots__ = ("query", "collectionname", "projection", "top", "skip", "orderby", "queryas", "explain")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    COLLECTIONNAME_FIELD_NUMBER: _ClassVar[int]
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    TOP_FIELD_NUMBER: _ClassVar[int]
    SKIP_FIELD_NUMBER: _ClassVar[int]
    ORDERBY_FIELD_NUMBER: _ClassVar[int]
    QUERYAS_FIELD_NUMBER: _ClassVar[int]
    EXPLAIN_FIELD_NUMBER: _ClassVar[int]
    query: str
    collectionname: str
    projection: str
    top: int
    skip: int
    orderby: str
    queryas: str
    explain: bool
    def __init__(self, query: _Optional[str] = ..., collectionname: _Optional[str] = ..., projection: _Optional[str] = ..., top: _Optional[int] = ..., skip: _Optional[int] = ..., orderby: _Optional[str] = ..., queryas: _Optional[str] = ..., explain: bool = ...) -> None: ...

class QueryResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: str
    def __init__(self, results: _Optional[str] = ...) -> None: ...

class ListCollectionsRequest(_message.Message):
    __slots__ = ("includehist",)
    INCLUDEHIST_FIELD_NUMBER: _ClassVar[int]
    includehist: bool
    def __init__(self, includehist: bool = ...) -> None: ...

class ListCollectionsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: str
    def __init__(self, results: _Optional[str] = ...) -> None: ...

class CountRequest(_message.Message):
    __slots__ = ("collectionname", "query", "queryas", "explain")
    COLLECTIONNAME_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    QUERYAS_FIELD_NUMBER: _ClassVar[int]
    EXPLAIN_FIELD_NUMBER: _ClassVar[int]
    collectionname: str
    query: str
    queryas: str
    explain: bool
    def __init__(self, collectionname: _Optional[str] = ..., query: _Optional[str] = ..., queryas: _Optional[str] = ..., explain: bool = ...) -> None: ...

class CountResponse(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: int
    def __init__(self, result: _Optional[int] = ...) -> None: ...

class InsertOneRequest(_message.Message):
    __slots__ = ("collectionname", "item", "w", "j")
    COLLECTIONNAME_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    W_FIELD_NUMBER: _ClassVar[int]
    J_FIELD_NUMBER: _ClassVar[int]
    collectionname: str
    item: str
    w: int
    j: bool
    def __init__(self, collectionname: _Optional[str] = ..., item: _Optional[str] = ..., w: _Optional[int] = ..., j: bool = ...) -> None: ...

class InsertOneResponse(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: str
    def __init__(self, result: _Optional[str] = ...) -> None: ...

class UpdateOneRequest(_message.Message):
    __slots__ = ("collectionname", "item", "w", "j")
    COLLECTIONNAME_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    W_FIELD_NUMBER: _ClassVar[int]
    J_FIELD_NUMBER: _ClassVar[int]
    collectionname: str
    item: str
    w: int
    j: bool
    def __init__(self, collectionname: _Optional[str] = ..., item: _Optional[str] = ..., w: _Optional[int] = ..., j: bool = ...) -> None: ...

class UpdateOneResponse(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: str
    def __init__(self, result: _Optional[str] = ...) -> None: ...

class DeleteOneRequest(_message.Message):
    __slots__ = ("collectionname", "id", "recursive")
    COLLECTIONNAME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    RECURSIVE_FIELD_NUMBER: _ClassVar[int]
    collectionname: str
    id: str
    recursive: bool
    def __init__(self, collectionname: _Optional[str] = ..., id: _Optional[str] = ..., recursive: bool = ...) -> None: ...

class DeleteOneResponse(_message.Message):
    __slots__ = ("affectedrows",)
    AFFECTEDROWS_FIELD_NUMBER: _ClassVar[int]
    affectedrows: int
    def __init__(self, affectedrows: _Optional[int] = ...) -> None: ...

class RegisterQueueRequest(_message.Message):
    __slots__ = ("queuename",)
    QUEUENAME_FIELD_NUMBER: _ClassVar[int]
    queuename: str
    def __init__(self, queuename: _Optional[str] = ...) -> None: ...

class RegisterQueueResponse(_message.Message):
    __slots__ = ("queuename",)
    QUEUENAME_FIELD_NUMBER: _ClassVar[int]
    queuename: str
    def __init__(self, queuename: _Optional[str] = ...) -> None: ...

class UnRegisterQueueRequest(_message.Message):
    __slots__ = ("queuename",)
    QUEUENAME_FIELD_NUMBER: _ClassVar[int]
    queuename: str
    def __init__(self, queuename: _Optional[str] = ...) -> None: ...

class UnRegisterQueueResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class QueueMessageRequest(_message.Message):
    __slots__ = ("queuename", "correlationId", "replyto", "routingkey", "exchangename", "data", "striptoken", "expiration")
    QUEUENAME_FIELD_NUMBER: _ClassVar[int]
    CORRELATIONID_FIELD_NUMBER: _ClassVar[int]
    REPLYTO_FIELD_NUMBER: _ClassVar[int]
    ROUTINGKEY_FIELD_NUMBER: _ClassVar[int]
    EXCHANGENAME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    STRIPTOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_FIELD_NUMBER: _ClassVar[int]
    queuename: str
    correlationId: str
    replyto: str
    routingkey: str
    exchangename: str
    data: str
    striptoken: bool
    expiration: int
    def __init__(self, queuename: _Optional[str] = ..., correlationId: _Optional[str] = ..., replyto: _Optional[str] = ..., routingkey: _Optional[str] = ..., exchangename: _Optional[str] = ..., data: _Optional[str] = ..., striptoken: bool = ..., expiration: _Optional[int] = ...) -> None: ...

class QueueMessageResponse(_message.Message):
    __slots__ = ("queuename", "correlationId", "replyto", "routingkey", "exchangename", "data")
    QUEUENAME_FIELD_NUMBER: _ClassVar[int]
    CORRELATIONID_FIELD_NUMBER: _ClassVar[int]
    REPLYTO_FIELD_NUMBER: _ClassVar[int]
    ROUTINGKEY_FIELD_NUMBER: _ClassVar[int]
    EXCHANGENAME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    queuename: str
    correlationId: str
    replyto: str
    routingkey: str
    exchangename: str
    data: str
    def __init__(self, queuename: _Optional[str] = ..., correlationId: _Optional[str] = ..., replyto: _Optional[str] = ..., routingkey: _Optional[str] = ..., exchangename: _Optional[str] = ..., data: _Optional[str] = ...) -> None: ...

class QueueEvent(_message.Message):
    __slots__ = ("queuename", "correlationId", "replyto", "routingkey", "exchangename", "data")
    QUEUENAME_FIELD_NUMBER: _ClassVar[int]
    CORRELATIONID_FIELD_NUMBER: _ClassVar[int]
    REPLYTO_FIELD_NUMBER: _ClassVar[int]
    ROUTINGKEY_FIELD_NUMBER: _ClassVar[int]
    EXCHANGENAME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    queuename: str
    correlationId: str
    replyto: str
    routingkey: str
    exchangename: str
    data: str
    def __init__(self, queuename: _Optional[str] = ..., correlationId: _Optional[str] = ..., replyto: _Optional[str] = ..., routingkey: _Optional[str] = ..., exchangename: _Optional[str] = ..., data: _Optional[str] = ...) -> None: ...

class WatchRequest(_message.Message):
    __slots__ = ("collectionname", "paths")
    COLLECTIONNAME_FIELD_NUMBER: _ClassVar[int]
    PATHS_FIELD_NUMBER: _ClassVar[int]
    collectionname: str
    paths: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, collectionname: _Optional[str] = ..., paths: _Optional[_Iterable[str]] = ...) -> None: ...

class WatchResponse(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class WatchEvent(_message.Message):
    __slots__ = ("id", "operation", "document")
    ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    operation: str
    document: str
    def __init__(self, id: _Optional[str] = ..., operation: _Optional[str] = ..., document: _Optional[str] = ...) -> None: ...

class UnWatchRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class UnWatchResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WorkitemFile(_message.Message):
    __slots__ = ("filename", "_id", "compressed", "file")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    _ID_FIELD_NUMBER: _ClassVar[int]
    COMPRESSED_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    filename: str
    _id: str
    compressed: bool
    file: bytes
    def __init__(self, filename: _Optional[str] = ..., _id: _Optional[str] = ..., compressed: bool = ..., file: _Optional[bytes] = ...) -> None: ...

class Workitem(_message.Message):
    __slots__ = ("_id", "name", "payload", "priority", "nextrun", "lastrun", "files", "state", "wiq", "wiqid", "retries", "username", "success_wiqid", "failed_wiqid", "success_wiq", "failed_wiq", "errormessage", "errorsource", "errortype", "_workspaceid")
    _ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    NEXTRUN_FIELD_NUMBER: _ClassVar[int]
    LASTRUN_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    WIQ_FIELD_NUMBER: _ClassVar[int]
    WIQID_FIELD_NUMBER: _ClassVar[int]
    RETRIES_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_WIQID_FIELD_NUMBER: _ClassVar[int]
    FAILED_WIQID_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_WIQ_FIELD_NUMBER: _ClassVar[int]
    FAILED_WIQ_FIELD_NUMBER: _ClassVar[int]
    ERRORMESSAGE_FIELD_NUMBER: _ClassVar[int]
    ERRORSOURCE_FIELD_NUMBER: _ClassVar[int]
    ERRORTYPE_FIELD_NUMBER: _ClassVar[int]
    _WORKSPACEID_FIELD_NUMBER: _ClassVar[int]
    _id: str
    name: str
    payload: str
    priority: int
    nextrun: _timestamp_pb2.Timestamp
    lastrun: _timestamp_pb2.Timestamp
    files: _containers.RepeatedCompositeFieldContainer[WorkitemFile]
    state: str
    wiq: str
    wiqid: str
    retries: int
    username: str
    success_wiqid: str
    failed_wiqid: str
    success_wiq: str
    failed_wiq: str
    errormessage: str
    errorsource: str
    errortype: str
    _workspaceid: str
    def __init__(self, _id: _Optional[str] = ..., name: _Optional[str] = ..., payload: _Optional[str] = ..., priority: _Optional[int] = ..., nextrun: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., lastrun: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., files: _Optional[_Iterable[_Union[WorkitemFile, _Mapping]]] = ..., state: _Optional[str] = ..., wiq: _Optional[str] = ..., wiqid: _Optional[str] = ..., retries: _Optional[int] = ..., username: _Optional[str] = ..., success_wiqid: _Optional[str] = ..., failed_wiqid: _Optional[str] = ..., success_wiq: _Optional[str] = ..., failed_wiq: _Optional[str] = ..., errormessage: _Optional[str] = ..., errorsource: _Optional[str] = ..., errortype: _Optional[str] = ..., _workspaceid: _Optional[str] = ...) -> None: ...

class WorkItemQueue(_message.Message):
    __slots__ = ("maxretries", "retrydelay", "initialdelay", "success_wiq", "failed_wiq", "_id", "name")
    MAXRETRIES_FIELD_NUMBER: _ClassVar[int]
    RETRYDELAY_FIELD_NUMBER: _ClassVar[int]
    INITIALDELAY_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_WIQ_FIELD_NUMBER: _ClassVar[int]
    FAILED_WIQ_FIELD_NUMBER: _ClassVar[int]
    _ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    maxretries: int
    retrydelay: int
    initialdelay: int
    success_wiq: str
    failed_wiq: str
    _id: str
    name: str
    def __init__(self, maxretries: _Optional[int] = ..., retrydelay: _Optional[int] = ..., initialdelay: _Optional[int] = ..., success_wiq: _Optional[str] = ..., failed_wiq: _Optional[str] = ..., _id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class PushWorkitemRequest(_message.Message):
    __slots__ = ("wiq", "wiqid", "name", "payload", "nextrun", "success_wiqid", "failed_wiqid", "success_wiq", "failed_wiq", "priority", "files")
    WIQ_FIELD_NUMBER: _ClassVar[int]
    WIQID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    NEXTRUN_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_WIQID_FIELD_NUMBER: _ClassVar[int]
    FAILED_WIQID_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_WIQ_FIELD_NUMBER: _ClassVar[int]
    FAILED_WIQ_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    wiq: str
    wiqid: str
    name: str
    payload: str
    nextrun: _timestamp_pb2.Timestamp
    success_wiqid: str
    failed_wiqid: str
    success_wiq: str
    failed_wiq: str
    priority: int
    files: _containers.RepeatedCompositeFieldContainer[WorkitemFile]
    def __init__(self, wiq: _Optional[str] = ..., wiqid: _Optional[str] = ..., name: _Optional[str] = ..., payload: _Optional[str] = ..., nextrun: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., success_wiqid: _Optional[str] = ..., failed_wiqid: _Optional[str] = ..., success_wiq: _Optional[str] = ..., failed_wiq: _Optional[str] = ..., priority: _Optional[int] = ..., files: _Optional[_Iterable[_Union[WorkitemFile, _Mapping]]] = ...) -> None: ...

class PushWorkitemResponse(_message.Message):
    __slots__ = ("workitem",)
    WORKITEM_FIELD_NUMBER: _ClassVar[int]
    workitem: Workitem
    def __init__(self, workitem: _Optional[_Union[Workitem, _Mapping]] = ...) -> None: ...

class PopWorkitemRequest(_message.Message):
    __slots__ = ("wiq", "wiqid", "includefiles", "compressed")
    WIQ_FIELD_NUMBER: _ClassVar[int]
    WIQID_FIELD_NUMBER: _ClassVar[int]
    INCLUDEFILES_FIELD_NUMBER: _ClassVar[int]
    COMPRESSED_FIELD_NUMBER: _ClassVar[int]
    wiq: str
    wiqid: str
    includefiles: bool
    compressed: bool
    def __init__(self, wiq: _Optional[str] = ..., wiqid: _Optional[str] = ..., includefiles: bool = ..., compressed: bool = ...) -> None: ...

class PopWorkitemResponse(_message.Message):
    __slots__ = ("workitem",)
    WORKITEM_FIELD_NUMBER: _ClassVar[int]
    workitem: Workitem
    def __init__(self, workitem: _Optional[_Union[Workitem, _Mapping]] = ...) -> None: ...

class UpdateWorkitemRequest(_message.Message):
    __slots__ = ("workitem", "ignoremaxretries", "files")
    WORKITEM_FIELD_NUMBER: _ClassVar[int]
    IGNOREMAXRETRIES_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    workitem: Workitem
    ignoremaxretries: bool
    files: _containers.RepeatedCompositeFieldContainer[WorkitemFile]
    def __init__(self, workitem: _Optional[_Union[Workitem, _Mapping]] = ..., ignoremaxretries: bool = ..., files: _Optional[_Iterable[_Union[WorkitemFile, _Mapping]]] = ...) -> None: ...

class UpdateWorkitemResponse(_message.Message):
    __slots__ = ("workitem",)
    WORKITEM_FIELD_NUMBER: _ClassVar[int]
    workitem: Workitem
    def __init__(self, workitem: _Optional[_Union[Workitem, _Mapping]] = ...) -> None: ...

class DeleteWorkitemRequest(_message.Message):
    __slots__ = ("_id",)
    _ID_FIELD_NUMBER: _ClassVar[int]
    _id: str
    def __init__(self, _id: _Optional[str] = ...) -> None: ...

class DeleteWorkitemResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AddWorkItemQueueRequest(_message.Message):
    __slots__ = ("workitemqueue", "skiprole")
    WORKITEMQUEUE_FIELD_NUMBER: _ClassVar[int]
    SKIPROLE_FIELD_NUMBER: _ClassVar[int]
    workitemqueue: WorkItemQueue
    skiprole: bool
    def __init__(self, workitemqueue: _Optional[_Union[WorkItemQueue, _Mapping]] = ..., skiprole: bool = ...) -> None: ...

class AddWorkItemQueueResponse(_message.Message):
    __slots__ = ("workitemqueue",)
    WORKITEMQUEUE_FIELD_NUMBER: _ClassVar[int]
    workitemqueue: WorkItemQueue
    def __init__(self, workitemqueue: _Optional[_Union[WorkItemQueue, _Mapping]] = ...) -> None: ...

class UpdateWorkItemQueueRequest(_message.Message):
    __slots__ = ("workitemqueue", "skiprole", "purge")
    WORKITEMQUEUE_FIELD_NUMBER: _ClassVar[int]
    SKIPROLE_FIELD_NUMBER: _ClassVar[int]
    PURGE_FIELD_NUMBER: _ClassVar[int]
    workitemqueue: WorkItemQueue
    skiprole: bool
    purge: bool
    def __init__(self, workitemqueue: _Optional[_Union[WorkItemQueue, _Mapping]] = ..., skiprole: bool = ..., purge: bool = ...) -> None: ...

class UpdateWorkItemQueueResponse(_message.Message):
    __slots__ = ("workitemqueue",)
    WORKITEMQUEUE_FIELD_NUMBER: _ClassVar[int]
    workitemqueue: WorkItemQueue
    def __init__(self, workitemqueue: _Optional[_Union[WorkItemQueue, _Mapping]] = ...) -> None: ...

class DeleteWorkItemQueueRequest(_message.Message):
    __slots__ = ("wiq", "wiqid", "purge")
    WIQ_FIELD_NUMBER: _ClassVar[int]
    WIQID_FIELD_NUMBER: _ClassVar[int]
    PURGE_FIELD_NUMBER: _ClassVar[int]
    wiq: str
    wiqid: str
    purge: bool
    def __init__(self, wiq: _Optional[str] = ..., wiqid: _Optional[str] = ..., purge: bool = ...) -> None: ...

class DeleteWorkItemQueueResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
