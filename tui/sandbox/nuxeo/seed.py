"""The sandbox's first content: a fresh server's tree plus demo documents, and the small PNG and PDF files they hold.

`/default-domain` with Sections, Templates and Workspaces, demo content under `/default-domain/workspaces` (Projects,
Team) and `ARCHIVE_PATH`, a folder of many documents (10,000 by default) for browsing and searching at scale. Rows are
written in one transaction, straight into the tables (the repository's one-document-at-a-time writes would take
minutes for the archive).
"""

from __future__ import annotations

import json
import struct
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.sandbox.common import iso_utc
from tui.sandbox.nuxeo.doctypes import is_folderish
from tui.sandbox.nuxeo.store import Repository, fulltext_of, md5

ARCHIVE_PATH = "/default-domain/workspaces/Archive"
ARCHIVE_TOPICS = ["Invoice", "Contract", "Meeting minutes", "Report", "Proposal", "Memo", "Specification", "Letter"]


def make_png(width: int = 32, height: int = 32) -> bytes:
    """A small real PNG (a colour gradient), built by hand so no imaging library is needed."""
    raw = b"".join(
        b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 160)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def make_pdf(title: str, lines: list[str]) -> bytes:
    """A tiny one-page PDF with a few lines of text (readable as text too)."""
    text = " ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj T*" for line in [title, *lines])
    stream = f"BT /F1 12 Tf 14 TL 72 720 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


class _Seeder:
    def __init__(self, repo: Repository):
        self.repo = repo
        self.rows: list[tuple[Any, ...]] = []
        self.blobs: dict[str, bytes] = {}
        self.paths: dict[str, str] = {}  # path -> uid
        self.positions: dict[str, int] = {}
        self.clock = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)

    def tick(self, minutes: int = 37) -> str:
        self.clock += timedelta(minutes=minutes)
        return iso_utc(self.clock)

    def blob(self, name: str, mime: str, data: bytes) -> dict[str, Any]:
        digest = md5(data)
        self.blobs[digest] = data
        return {"name": name, "mime-type": mime, "digest": digest, "length": len(data)}

    def add(self, parent_path: str | None, name: str, type_name: str, title: str, **props: Any) -> str:
        uid = str(uuid.uuid4())
        path = "/" if parent_path is None else f"{parent_path.rstrip('/')}/{name}"
        parent_uid = None if parent_path is None else self.paths[parent_path]
        stamp = self.tick()
        # only the fields that have a value are stored: rendering fills in the schema's empty values
        values: dict[str, Any] = {}
        creator = props.pop("creator", "Administrator")
        values.update(
            {
                "dc:title": title,
                "dc:created": stamp,
                "dc:modified": stamp,
                "dc:creator": creator,
                "dc:lastContributor": creator,
                "dc:contributors": [creator],
            }
        )
        values.update({k.replace("__", ":"): v for k, v in props.items()})
        texts = []
        content = values.get("file:content")
        if isinstance(content, dict) and content["mime-type"].startswith("text/"):
            texts = [content["name"], self.blobs[content["digest"]].decode("utf-8", "replace")]
        position = self.positions.get(parent_uid or "", 0)
        self.positions[parent_uid or ""] = position + 1
        self.rows.append(
            (
                uid,
                parent_uid,
                path,
                "" if parent_path is None else name,
                type_name,
                "project",
                title,
                int(is_folderish(type_name)),
                json.dumps(values),
                stamp,
                stamp,
                position,
                fulltext_of(title, values, texts),
            )
        )
        self.paths[path] = uid
        return path

    def write(self) -> None:
        db = self.repo.db
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO documents (uid, parent_uid, path, name, type, state, title, folderish, properties, created,"
            " modified, pos, fulltext) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self.rows,
        )
        db.executemany("INSERT OR IGNORE INTO blobs (digest, data) VALUES (?, ?)", list(self.blobs.items()))
        db.execute("COMMIT")


def seed(repo: Repository, archive_size: int) -> None:
    s = _Seeder(repo)
    root = s.add(None, "", "Root", "")
    domain = s.add(root, "default-domain", "Domain", "Domain")
    sections = s.add(domain, "sections", "SectionRoot", "Sections")
    s.add(domain, "templates", "TemplateRoot", "Templates")
    workspaces = s.add(domain, "workspaces", "WorkspaceRoot", "Workspaces")

    public = s.add(sections, "public", "Section", "Public", dc__description="Documents published for everyone.")
    s.add(
        public,
        "press-release",
        "Note",
        "Press release: Apollo launch",
        note__note="Apollo, our new document platform, launches on 1 December.",
    )

    projects = s.add(workspaces, "Projects", "Workspace", "Projects", dc__description="Active projects.")
    apollo = s.add(projects, "Apollo", "Folder", "Apollo", dc__description="The document platform project.")
    design = s.add(apollo, "Design", "Folder", "Design")
    wireframes = s.add(design, "Wireframes", "Folder", "Wireframes")
    s.add(
        wireframes,
        "sketch-notes",
        "Note",
        "Sketch notes",
        note__note="Tree on the left, details on the right.\nKeyboard first: arrows, enter, backspace.",
    )
    s.add(
        design,
        "logo",
        "File",
        "Logo",
        file__content=s.blob("logo.png", "image/png", make_png()),
        dc__description="The project logo, a 32x32 gradient.",
    )
    s.add(
        apollo,
        "kickoff",
        "Note",
        "Kickoff meeting",
        creator="Administrator",
        note__note="Attendees: Ada, Grace, Linus.\nDecisions: weekly demo on Fridays; release in December.",
    )
    s.add(
        apollo,
        "requirements",
        "File",
        "Requirements",
        file__content=s.blob(
            "requirements.txt",
            "text/plain",
            b"Requirements\n============\n1. Browse the repository as a tree.\n"
            b"2. Edit titles and descriptions in place.\n3. Upload and download files.\n",
        ),
        dc__description="What the platform must do.",
    )
    s.add(
        apollo,
        "budget",
        "File",
        "Budget 2027",
        file__content=s.blob(
            "budget-2027.pdf",
            "application/pdf",
            make_pdf("Budget 2027", ["Licences: 12,000", "Hosting: 8,400", "Training: 3,000"]),
        ),
    )
    hermes = s.add(projects, "Hermes", "Folder", "Hermes", dc__description="Messaging gateway.")
    s.add(hermes, "status", "Note", "Weekly status", note__note="Gateway throughput doubled after the queue change.")
    s.add(
        hermes,
        "contract",
        "File",
        "Supplier contract",
        file__content=s.blob(
            "supplier-contract.pdf",
            "application/pdf",
            make_pdf("Supplier contract", ["Term: 24 months", "Notice: 3 months"]),
        ),
    )

    team = s.add(workspaces, "Team", "Workspace", "Team", dc__description="Team handbook and meetings.")
    procedures = s.add(team, "procedures", "OrderedFolder", "Procedures")
    s.add(
        procedures,
        "onboarding",
        "Note",
        "Onboarding checklist",
        note__note="1. Laptop\n2. Accounts\n3. Read the handbook\n4. Meet the team",
    )
    s.add(procedures, "expenses", "Note", "Expense policy", note__note="Receipts within 30 days.")
    s.add(
        team,
        "meeting-2026-11-02",
        "Note",
        "Meeting notes 2026-11-02",
        note__note="Quarter planning; hiring two people.",
    )
    s.add(
        team,
        "welcome",
        "File",
        "Welcome",
        file__content=s.blob("welcome.txt", "text/plain", b"Welcome to the team workspace!\n"),
    )

    archive = s.add(
        workspaces,
        "Archive",
        "Folder",
        "Archive",
        dc__description=f"{archive_size} archived records, for browsing and search at scale.",
    )
    for i in range(1, archive_size + 1):
        topic = ARCHIVE_TOPICS[i % len(ARCHIVE_TOPICS)]
        title = f"{topic} {i:05d}"
        name = f"record-{i:05d}"
        s.clock += timedelta(minutes=1)
        if i % 10 == 0:
            data = f"{title}\nArchived {topic.lower()} number {i}.\n".encode()
            s.add(archive, name, "File", title, file__content=s.blob(f"{name}.txt", "text/plain", data))
        else:
            s.add(archive, name, "Note", title, note__note=f"Archived {topic.lower()} number {i}.")
    s.write()
