"""OpenIAP (OpenFlow): message queues, collections and work item queues over protobuf on a websocket.

`client.OpenIAPClient` speaks the protocol (its server imitation lives in `tui.sandbox.openiap`); `pane.QueuesPane`
is the pane; `tail` is the headless `servicedeck tail QUEUE`.
"""
