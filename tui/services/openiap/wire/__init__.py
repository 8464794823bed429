"""The OpenIAP wire format: `openiap.proto` and the module protoc generates from it (with its `.pyi` stub).

Both the client and the sandbox import `openiap_pb2` from here; `regenerate.sh` rebuilds it.
"""
