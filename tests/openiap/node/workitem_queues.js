// The official Node client (@openiap/nodeapi) managing work item queues against the sandbox; run by
// tests/openiap/test_node_client.py with the package installed under NODE_PATH. Prints one "TAG json" line per step.
const { openiap, WorkItemQueue } = require("@openiap/nodeapi");
const [url, name] = process.argv.slice(2);
function emit(tag, value) { process.stdout.write(tag + " " + JSON.stringify(value) + "\n"); }
(async () => {
  const client = new openiap(url);
  client.allowconnectgiveup = false;
  const user = await client.connect();
  emit("SIGNIN", { username: user.username });
  const added = await client.AddWorkItemQueue({ workitemqueue: WorkItemQueue.create({ name, maxretries: 4, retrydelay: 10 }) });
  emit("ADDED", added);
  const updated = await client.UpdateWorkItemQueue({ workitemqueue: WorkItemQueue.create({ _id: added._id, name, maxretries: 6, retrydelay: 10 }) });
  emit("UPDATED", updated);
  const pushed = await client.PushWorkitem({ wiq: name, name: "from node", payload: { n: 1 } });
  const popped = await client.PopWorkitem({ wiq: name });
  popped.state = "successful";
  const done = await client.UpdateWorkitem({ workitem: popped });
  emit("ITEM", { pushed: pushed.state, popped: popped.name, done: done.state });
  await client.DeleteWorkitem({ _id: done._id });
  await client.PushWorkitem({ wiq: name, name: "to purge", payload: {} });
  await client.UpdateWorkItemQueue({ workitemqueue: WorkItemQueue.create({ _id: added._id, name, maxretries: 6 }), purge: true });
  let refused = "";
  try { await client.PushWorkitem({ wiq: name + "-missing", payload: {} }); } catch (e) { refused = String(e.message || e); }
  emit("REFUSED", refused);
  await client.DeleteWorkItemQueue({ wiq: name });
  emit("DELETED", true);
  client.Close();
  process.exit(0);
})().catch((e) => { emit("ERROR", String(e && e.stack || e)); process.exit(1); });
