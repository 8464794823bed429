"""OpenIAP (OpenFlow): message queues, collections and work item queues over protobuf on a websocket.

`client.OpenIAPClient` speaks the protocol, `sandbox` serves it, `tail` is the headless `servicedeck tail QUEUE`.
"""
