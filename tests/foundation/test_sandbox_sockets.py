"""The sandbox answers back-to-back requests on one connection without Nagle's stall."""

from __future__ import annotations

import statistics
import time

import httpx

from tui.sandbox import Sandbox


def test_back_to_back_requests_on_one_connection_do_not_stall():
    with (
        Sandbox(kinds=["nuxeo"]) as box,
        httpx.Client(base_url=box.base_url, auth=("Administrator", "Administrator")) as http,
    ):
        http.get("/nuxeo/api/v1/path/").raise_for_status()
        timings = []
        for _ in range(15):
            started = time.perf_counter()
            http.put("/nuxeo/api/v1/path/default-domain", json={"entity-type": "document", "properties": {}})
            http.get("/nuxeo/api/v1/path/default-domain").raise_for_status()
            timings.append(time.perf_counter() - started)
    # With Nagle on, a request whose body goes out in a second segment waits for the delayed ACK: ~40 ms each time.
    assert statistics.median(timings) < 0.035, timings
