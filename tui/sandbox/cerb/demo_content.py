"""The Cerb sandbox's demo content: workers, groups and buckets, organisations, customers' names, and the
conversations and comments the seeded tickets are made of (`{name}`, `{worker}`, `{org}`, `{n}` are filled in)."""

from __future__ import annotations

WORKERS = [
    (1, "Jamie", "Torres", "jamie@support.example", "Support lead", 1),
    (2, "Priya", "Nair", "priya@support.example", "Support engineer", 0),
    (3, "Marco", "Rossi", "marco@support.example", "Account manager", 0),
    (4, "Lena", "Fischer", "lena@support.example", "Developer", 0),
    (5, "Sam", "Okafor", "sam@support.example", "Operations", 0),
    (6, "Aiko", "Tanaka", "aiko@support.example", "Billing specialist", 0),
]

GROUPS = [
    (1, "Support", ["Billing", "Escalated", "Refunds"]),
    (2, "Sales", ["Leads", "Renewals"]),
    (3, "Development", ["Bugs", "Feature requests"]),
    (4, "Operations", ["Outages", "Maintenance"]),
]

ORGS = [
    ("Acme Widgets", "Denver", "US"),
    ("Blue Harbor Logistics", "Rotterdam", "NL"),
    ("Cedar & Pine Dental", "Portland", "US"),
    ("Delta Fitness", "Manchester", "GB"),
    ("Evergreen Books", "Dublin", "IE"),
    ("Fjord Analytics", "Oslo", "NO"),
    ("Granite Legal", "Toronto", "CA"),
    ("Helios Solar", "Seville", "ES"),
    ("Iris Florists", "Lyon", "FR"),
    ("Juniper Schools", "Melbourne", "AU"),
    ("Kestrel Aviation", "Hamburg", "DE"),
    ("Lumen Clinics", "Austin", "US"),
]

FIRST = [
    "Alex",
    "Maria",
    "Chen",
    "Fatima",
    "Oliver",
    "Sofia",
    "Kwame",
    "Hannah",
    "Luis",
    "Ingrid",
    "Ravi",
    "Grace",
    "Tomás",
    "Yuki",
    "Noah",
    "Amara",
    "Pieter",
    "Elena",
    "Jonas",
    "Leila",
]
LAST = [
    "Smith",
    "Garcia",
    "Wang",
    "Haddad",
    "Brown",
    "Rossi",
    "Mensah",
    "Schmidt",
    "Fernández",
    "Larsen",
    "Patel",
    "Kim",
    "Silva",
    "Sato",
    "Miller",
    "Okoye",
    "de Vries",
    "Popescu",
    "Berg",
    "Karimi",
]

# Each conversation: group, bucket name (or None for the inbox), subject, and the messages in order
# ("c" = the customer writes, "w" = a worker answers). {name}, {worker}, {org}, {n} are filled in.
CONVERSATIONS = [
    (
        1,
        "Refunds",
        "Refund for duplicate charge on invoice #{n}",
        [
            (
                "c",
                "Hi,\n\nI was charged twice for invoice #{n} this month (two identical payments on the same day).\n"
                "Could you refund one of them?\n\nThanks,\n{name}",
            ),
            (
                "w",
                "Hi {name},\n\nThanks for flagging this. I can see both payments for invoice #{n}; the second one was "
                "a retry that should have been voided.\n\nI've issued a refund for the duplicate. It takes 3-5 "
                "business days to show on your statement.\n\nBest,\n{worker}",
            ),
            ("c", "Great, thank you for the quick help!\n\n> I've issued a refund for the duplicate.\n\n{name}"),
        ],
    ),
    (
        1,
        "Billing",
        "Can we switch to annual billing?",
        [
            (
                "c",
                "Hello,\n\nWe're on the monthly plan for {org}. What would annual billing cost for 25 seats, and can "
                "we switch mid-cycle?\n\n{name}",
            ),
            (
                "w",
                "Hi {name},\n\nAnnual billing is two months free compared to monthly. You can switch any time; we "
                "prorate the remainder of the current month.\n\nWant me to send a quote for 25 seats?\n\n{worker}",
            ),
        ],
    ),
    (
        1,
        None,
        "Password reset email never arrives",
        [
            ("c", "I've requested a password reset three times and nothing arrives, not even in spam.\n\n{name}"),
            (
                "w",
                "Hi {name},\n\nSorry about that. Our mail logs show the messages were rejected by your mail server "
                "({org} uses a strict filter). Could you ask IT to allow mail from our domain?\n\nMeanwhile I've "
                "sent a one-time login link by another route.\n\n{worker}",
            ),
            ("c", "IT added the rule and the reset worked. Thanks!\n\n{name}"),
        ],
    ),
    (
        1,
        "Escalated",
        "URGENT: cannot access our account since this morning",
        [
            (
                "c",
                "Nobody at {org} can sign in since about 8am. We get 'session expired' immediately after login.\n\n"
                "This is blocking our whole team.\n\n{name}",
            ),
            (
                "w",
                "Hi {name},\n\nI've escalated this to our engineers. We found an expired SSO certificate on your "
                "tenant. A fix is rolling out now; I'll update you within the hour.\n\n{worker}",
            ),
        ],
    ),
    (
        2,
        "Leads",
        "Question about the enterprise plan",
        [
            (
                "c",
                "Hi there,\n\nWe're evaluating helpdesk tools for {org} (about 120 agents). Do you support SAML SSO "
                "and data residency in the EU?\n\n{name}",
            ),
            (
                "w",
                "Hi {name},\n\nYes to both: SAML 2.0 SSO and an EU-hosted region. I'd be happy to set up a demo this "
                "week. Does Thursday at 15:00 CET work?\n\n{worker}",
            ),
            ("c", "Thursday works. Please send an invite.\n\n{name}"),
        ],
    ),
    (
        2,
        "Renewals",
        "Renewal quote for {org}",
        [
            ("c", "Our contract ends next month. Can you send a renewal quote? We'd like to add 10 seats.\n\n{name}"),
        ],
    ),
    (
        3,
        "Bugs",
        "Export to CSV cuts off after 1,000 rows",
        [
            (
                "c",
                "When I export the report to CSV, the file stops at exactly 1,000 rows. We have about 4,300.\n\n"
                "Steps:\n1. Open Reports > Monthly\n2. Click Export > CSV\n3. Count the rows\n\n{name}",
            ),
            (
                "w",
                "Thanks {name}, I can reproduce it. The export uses the on-screen page size by mistake. I've filed "
                "it with development (ticket linked). Workaround: set the page size to 'All' before "
                "exporting.\n\n{worker}",
            ),
            (
                "c",
                "The workaround does the job for now, thanks.\n\n> Workaround: set the page size to 'All' before "
                "exporting.\n\n{name}",
            ),
        ],
    ),
    (
        3,
        "Feature requests",
        "Feature request: dark mode for the customer portal",
        [
            ("c", "Our customers keep asking for a dark theme on the portal. Any plans?\n\n{name}"),
            (
                "w",
                "Hi {name},\n\nIt's on the roadmap for next quarter. I've added {org} to the list of interested "
                "customers so you hear first when it ships.\n\n{worker}",
            ),
        ],
    ),
    (
        3,
        None,
        "API returns 500 when the filter contains an apostrophe",
        [
            ("c", "Calling /api/contacts?q=O'Brien returns HTTP 500. Without the apostrophe it works.\n\n{name}"),
            ("w", "Confirmed, that's a quoting bug on our side. A fix is in review.\n\n{worker}"),
        ],
    ),
    (
        4,
        "Outages",
        "Intermittent timeouts from the EU region",
        [
            ("c", "Since about 14:00 UTC we see 1 in 20 requests time out from our Frankfurt servers.\n\n{name}"),
            (
                "w",
                "Hi {name},\n\nWe're investigating elevated latency on one EU load balancer. I'll post updates here "
                "and on the status page.\n\n{worker}",
            ),
            (
                "w",
                "Update: the faulty load balancer was taken out of rotation at 15:12 UTC. Error rates are back to "
                "normal. Please let us know if you still see timeouts.\n\n{worker}",
            ),
        ],
    ),
    (
        4,
        "Maintenance",
        "Scheduled maintenance window next Sunday",
        [
            ("c", "Will the maintenance on Sunday affect the API, or only the web app?\n\n{name}"),
            ("w", "Only the web app; the API stays up. Expect up to 10 minutes of read-only mode.\n\n{worker}"),
        ],
    ),
    (
        1,
        None,
        "How do I add a new user?",
        [
            ("c", "Sorry if this is obvious, but how do I add a colleague to our account?\n\n{name}"),
            (
                "w",
                "Not obvious at all! Go to Settings > Team > Invite, enter their email and pick a role. They get an "
                "invitation link valid for 7 days.\n\n{worker}",
            ),
            ("c", "Found it, thanks.\n\n{name}"),
        ],
    ),
    (
        2,
        None,
        "Discount for non-profits?",
        [
            ("c", "{org} is a registered charity. Do you offer a non-profit discount?\n\n{name}"),
        ],
    ),
    (
        1,
        "Billing",
        "VAT number missing on invoice",
        [
            (
                "c",
                "Our invoice doesn't show our VAT number, which we need for accounting. Can you reissue it?\n\n{name}",
            ),
            (
                "w",
                "Hi {name}, I've added the VAT number to your billing profile and reissued the invoice; it's attached "
                "to your account under Billing > Invoices.\n\n{worker}",
            ),
        ],
    ),
]

COMMENTS = [
    "Checked the payment gateway: the duplicate was a retry after a timeout.",
    "Customer is on the enterprise plan; prioritise.",
    "Linked to the engineering issue; waiting for the fix to ship.",
    "Called the customer, they confirmed it's working now.",
    "@Priya can you take this one? I'm out tomorrow.",
    "Same problem reported by two other customers this week.",
]
