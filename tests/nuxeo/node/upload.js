// The official Node client (nuxeo@4.0.6) uploading blobs in a batch against the sandbox: the upload's answer, each
// blob's and the batch's info (sizes as numbers), a blob removed, the batch attached to a document and cancelled.
// Run by tests/nuxeo/test_official_fidelity_node.py. Arguments: base URL, a fresh document name.
const Nuxeo = require("nuxeo");
const [baseURL, name] = process.argv.slice(2);
function emit(tag, value) { process.stdout.write(tag + " " + JSON.stringify(value) + "\n"); }
function textBlob(text, filename) {
  return new Nuxeo.Blob({ content: Buffer.from(text), name: filename, mimeType: "text/plain", size: Buffer.byteLength(text) });
}
(async () => {
  const nuxeo = new Nuxeo({ baseURL, auth: { method: "basic", username: "Administrator", password: "Administrator" } });
  const batch = nuxeo.batchUpload({ concurrency: 1 });
  const { blob } = await batch.upload(textBlob("foo", "foo.txt"));
  emit("UPLOADED", blob);
  await batch.upload(textBlob("barbaz", "bar.txt"));
  const fetched = await batch.fetchBlob(1);
  emit("BLOB", { name: fetched.blob.name, size: fetched.blob.size, uploadType: fetched.blob.uploadType });
  const all = await batch.fetchBlobs();
  emit("BLOBS", all.blobs.map((b) => ({ id: b["upload-fileId"], name: b.name, size: b.size })));
  emit("REMOVED", (await batch.removeBlob(0)).status);
  let missing = 0;
  try { await batch.fetchBlob(0); } catch (e) { missing = e.response.status; }
  emit("MISSING", missing);

  const repository = nuxeo.repository({ schemas: ["dublincore", "file"] });
  const doc = await repository.create("/default-domain/workspaces", { name, type: "File", properties: { "dc:title": name } });
  doc.set({ "file:content": { "upload-batch": batch._batchId, "upload-fileId": "1" } });
  const saved = await doc.save();
  emit("ATTACHED", { name: saved.properties["file:content"].name, length: saved.properties["file:content"].length });
  await batch.cancel();
  emit("CANCELLED", batch._batchId);
  await repository.delete(doc.path);
  process.exit(0);
})().catch((e) => { emit("ERROR", String(e && e.stack || e)); process.exit(1); });
