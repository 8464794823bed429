"""The work items view follows its queue on its own: what other workers push shows up without a key press."""

from __future__ import annotations

from tests.conftest import make_app, wait_for
from tests.openiap.test_pane import SIZE, add_source, started, unique
from tui.services.openiap.workitems_view import WorkitemsView


async def test_items_pushed_by_another_client_appear_without_a_reload(box, other, tmp_path, monkeypatch):
    # the view looks again every few seconds; a short period keeps the test quick (before the fix it never looked)
    monkeypatch.setattr(WorkitemsView, "RELOAD_SECONDS", 0.3, raising=False)
    wiq = unique("follow")
    await other.insert_one("mq", {"_type": "workitemqueue", "name": wiq, "maxretries": 3, "retrydelay": 0})
    await other.push_workitem(wiq, "first", {"n": 1})
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await add_source(pilot, "i", wiq)
        view = pane.workitems_view
        await wait_for(pilot, lambda: view.wiq == wiq and [i.name for i in view.items] == ["first"])
        loads = view.loads

        await other.push_workitem(wiq, "second", {"n": 2})  # another worker, no key pressed here

        await wait_for(pilot, lambda: {i.name for i in view.items} == {"first", "second"}, timeout=5.0)
        assert view.loads > loads
