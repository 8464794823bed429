// The official Node client (nuxeo@4.0.6) fetching, creating, updating, deleting and querying documents against the
// sandbox, page providers included; run by tests/nuxeo/test_official_fidelity_node.py with the package under
// NODE_PATH. Arguments: base URL, a fresh workspace name. Prints one "TAG json" line per step.
const Nuxeo = require("nuxeo");
const [baseURL, name] = process.argv.slice(2);
const ROOT = "/default-domain/workspaces";
function emit(tag, value) { process.stdout.write(tag + " " + JSON.stringify(value) + "\n"); }
function page(res) {
  const { resultsCount, currentPageSize, currentPageIndex, numberOfPages, isNextPageAvailable } = res;
  return { titles: res.entries.map((e) => e.title), resultsCount, currentPageSize, currentPageIndex, numberOfPages,
    isNextPageAvailable, documents: res.entries.every((e) => e instanceof Nuxeo.Document) };
}
(async () => {
  const nuxeo = new Nuxeo({ baseURL, auth: { method: "basic", username: "Administrator", password: "Administrator" } });
  await nuxeo.connect();
  const repository = nuxeo.repository({ schemas: ["dublincore"] });
  const domain = await repository.fetch("/default-domain");
  emit("FETCHED", { uid: Boolean(domain.uid), type: domain.type });
  let missing = 0;
  try { await repository.fetch("/non-existing"); } catch (e) { missing = e.response.status; }
  emit("MISSING", missing);

  const created = await repository.create(ROOT, { name, type: "Workspace", properties: { "dc:title": "foo" } });
  emit("CREATED", { path: created.path, type: created.type });
  const fetched = await repository.fetch(created.path);
  fetched.properties["dc:title"] = "bar";
  const updated = await repository.update(fetched);
  emit("UPDATED", updated.properties["dc:title"]);

  const nxql = await repository.query({ query: "SELECT * FROM Document WHERE ecm:primaryType = 'Domain'" },
    { resolveWithFullResponse: true });
  emit("NXQL_URL", nxql.url.includes("search/") && !nxql.url.includes("query/"));
  emit("NXQL", page(await nxql.json()));

  emit("CHILDREN", page(await repository.query({ pageProvider: "CURRENT_DOC_CHILDREN", queryParams: [domain.uid] })));
  const paged = [];
  for (let index = 0; index < 4; index += 1) {
    paged.push(page(await repository.query({ pageProvider: "CURRENT_DOC_CHILDREN", queryParams: [domain.uid],
      pageSize: 1, currentPageIndex: index, sortBy: "dc:title", sortOrder: "asc" })));
  }
  emit("CHILDREN_PAGED", paged);
  emit("CONTENT", page(await repository.query({ pageProvider: "document_content", queryParams: [domain.uid],
    pageSize: 1, currentPageIndex: 2, sortBy: "dc:title", sortOrder: "asc" })));
  emit("TREE", page(await repository.query({ pageProvider: "tree_children", queryParams: [(await repository.fetch(ROOT)).uid] })));
  let unknown = {};
  try { await repository.query({ pageProvider: "no_such_provider" }); } catch (e) {
    unknown = { status: e.response.status, message: (await e.response.json()).message };
  }
  emit("UNKNOWN_PROVIDER", unknown);

  const deleted = await repository.delete(created.path);
  emit("DELETED", deleted.status);
  process.exit(0);
})().catch((e) => { emit("ERROR", String(e && e.stack || e)); process.exit(1); });
