"""Demo activity for `servicedeck demo`: customers keep writing in, so the Tickets pane has something to show."""

from __future__ import annotations

import random
import time

from tui.sandbox.cerb.demo_content import CONVERSATIONS
from tui.sandbox.cerb.store import CerbStore

OPEN = 0
WAITING = 1


def customer_writes(store: CerbStore, rng: random.Random) -> int:
    """One customer writes: half the time an answer that reopens a waiting ticket, else a new ticket.
    Returns the id of the ticket written to."""
    now = int(time.time())
    # customers: not a worker's address, nor a group's (those have no name)
    customer = store.must("SELECT * FROM addresses WHERE worker_id = 0 AND first_name != '' ORDER BY random() LIMIT 1")
    waiting = store.one("SELECT * FROM tickets WHERE status_id = ? ORDER BY random() LIMIT 1", WAITING)
    with store.db:
        if waiting is not None and rng.random() < 0.5:
            sender = store.one("SELECT * FROM addresses WHERE id = ?", waiting["first_wrote_address_id"]) or customer
            text = f"Thanks for getting back to me. One more question about this, though.\n\n{sender['first_name']}"
            mid = store.add_message(waiting["id"], sender["id"], 0, now, text)
            store.db.execute(
                "UPDATE tickets SET status_id = ?, updated = ?, latest_message_id = ?, num_messages = ?,"
                " num_messages_in = num_messages_in + 1, reopen_date = 0 WHERE id = ?",
                (OPEN, now, mid, waiting["num_messages"] + 1, waiting["id"]),
            )
            return int(waiting["id"])
        group_id, _, subject, script = CONVERSATIONS[rng.randrange(len(CONVERSATIONS))]
        org = store.one("SELECT name FROM orgs WHERE id = ?", customer["org_id"])
        fill = {
            "name": customer["first_name"],
            "worker": "",
            "org": org["name"] if org else "our company",
            "n": rng.randrange(10000, 99999),
        }
        tid = store.add_ticket(
            {
                "mask": store.new_mask(now),
                "subject": subject.format(**fill),
                "status_id": OPEN,
                "importance": 50,
                "group_id": group_id,
                "bucket_id": store.inbox(group_id),
                "owner_id": 0,
                "org_id": customer["org_id"],
                "created": now,
                "updated": now,
                "closed": 0,
                "num_messages": 1,
                "num_messages_in": 1,
                "first_wrote_address_id": customer["id"],
            }
        )
        mid = store.add_message(tid, customer["id"], 0, now, script[0][1].format(**fill))
        store.db.execute(
            "UPDATE tickets SET initial_message_id = ?, latest_message_id = ? WHERE id = ?", (mid, mid, tid)
        )
    return tid
