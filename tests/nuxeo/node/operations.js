// The official Node client (nuxeo@4.0.6) running automation operations on lists of documents against the sandbox:
// a list of paths, a list of Document objects, and an operation whose answer is a document list. Run by
// tests/nuxeo/test_official_fidelity_node.py. Arguments: base URL, a fresh name prefix. Prints "TAG json" lines.
const Nuxeo = require("nuxeo");
const [baseURL, prefix] = process.argv.slice(2);
const ROOT = "/default-domain/workspaces";
function emit(tag, value) { process.stdout.write(tag + " " + JSON.stringify(value) + "\n"); }
function summary(res) {
  return { type: res["entity-type"], entries: res.entries.map((e) => ({ path: e.path,
    description: e.properties["dc:description"], trashed: e.isTrashed })) };
}
(async () => {
  const nuxeo = new Nuxeo({ baseURL, auth: { method: "basic", username: "Administrator", password: "Administrator" },
    schemas: ["dublincore"] });
  const repository = nuxeo.repository();
  const first = await repository.create(ROOT, { name: prefix + "1", type: "Workspace", properties: { "dc:title": "foo" } });
  const second = await repository.create(ROOT, { name: prefix + "2", type: "Workspace", properties: { "dc:title": "foo" } });
  emit("PATHS", [first.path, second.path]);

  emit("BY_PATHS", summary(await nuxeo.operation("Document.Update").input([first.path, second.path])
    .params({ properties: "dc:description=sample description" }).execute()));
  const docs = await Promise.all([repository.fetch(first.path), repository.fetch(second.path)]);
  emit("BY_DOCUMENTS", summary(await nuxeo.operation("Document.Update").input(docs)
    .params({ properties: "dc:description=another description" }).execute()));
  emit("SET_PROPERTY", summary(await nuxeo.operation("Document.SetProperty").input([first.uid, second.uid])
    .params({ xpath: "dc:description", value: "one value" }).execute()));
  emit("TRASHED", summary(await nuxeo.operation("Document.Trash").input([first.uid, second.uid]).execute()));
  const single = await nuxeo.operation("Document.Untrash").input([first.uid]).execute();
  emit("ONE_IN_A_LIST", { type: single["entity-type"], count: single.entries.length });
  const byProperty = await nuxeo.operation("Document.FetchByProperty")
    .params({ property: "dc:title", values: "Workspaces" }).execute();
  emit("FETCH_BY_PROPERTY", byProperty.entries.map((e) => e.properties["dc:title"]));

  await repository.delete(first.path);
  await repository.delete(second.path);
  process.exit(0);
})().catch((e) => { emit("ERROR", String(e && e.stack || e)); process.exit(1); });
