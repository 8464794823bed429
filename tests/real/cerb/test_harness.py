"""The real Cerb answers our signed requests: the ground the conformance tests stand on."""

from __future__ import annotations

from tui.services.cerb.client import CerbClient


async def test_the_real_cerb_signs_us_in(real_cerb):
    async with CerbClient(real_cerb.url, real_cerb.access_key, real_cerb.secret) as client:
        line = await client.check()
    assert "Signed in as" in line and "Cerb 10.4" in line
