// The official Node client (nuxeo@4.0.6) managing users and groups against the sandbox; a user it creates then
// signs in. Run by tests/nuxeo/test_official_fidelity_node.py. Arguments: base URL, a fresh user name, a fresh group
// name. Prints one "TAG json" line per step.
const Nuxeo = require("nuxeo");
const [baseURL, username, groupname] = process.argv.slice(2);
function emit(tag, value) { process.stdout.write(tag + " " + JSON.stringify(value) + "\n"); }
(async () => {
  const nuxeo = new Nuxeo({ baseURL, auth: { method: "basic", username: "Administrator", password: "Administrator" } });
  const users = nuxeo.users();
  const admin = await users.fetch("Administrator");
  emit("ADMIN", { id: admin.id, username: admin.properties.username, user: admin instanceof Nuxeo.User });

  const created = await users.create({ properties: { username, password: "s3cret!", firstName: "Leela",
    company: "Futurama", email: "leela@example.com" } });
  emit("CREATED", created.properties);
  const fetched = await users.fetch(username);
  fetched.properties.firstName = "Fry?";
  emit("UPDATED", (await users.update(fetched)).properties.firstName);
  const again = await users.fetch(username);
  again.set({ lastName: "Turanga" });
  emit("SAVED", (await again.save()).properties);

  const asLeela = new Nuxeo({ baseURL, auth: { method: "basic", username, password: "s3cret!" } });
  const me = await asLeela.connect().then((client) => client.user);
  emit("SIGNED_IN", { id: me.id, isAdministrator: me.isAdministrator });
  let refused = 0;
  try { await asLeela.groups().create({ groupname: groupname + "-no", grouplabel: "No" }); } catch (e) { refused = e.response.status; }
  emit("REFUSED", refused);

  const groups = nuxeo.groups();
  const administrators = await groups.fetch("administrators");
  emit("ADMINISTRATORS", { groupname: administrators.groupname, grouplabel: administrators.grouplabel });
  const group = await groups.create({ groupname, grouplabel: "Foo", memberUsers: [username] });
  emit("GROUP", { groupname: group.groupname, grouplabel: group.grouplabel });
  const loaded = await groups.fetch(groupname);
  loaded.grouplabel = "Foo Fighters";
  emit("GROUP_UPDATED", (await groups.update(loaded)).grouplabel);
  emit("MEMBER_OF", (await users.fetch(username)).properties.groups);
  emit("GROUP_DELETED", (await groups.delete(groupname)).status);
  emit("USER_DELETED", (await users.delete(username)).status);
  let gone = 0;
  try { await users.fetch(username); } catch (e) { gone = e.response.status; }
  emit("GONE", gone);
  process.exit(0);
})().catch((e) => { emit("ERROR", String(e && e.stack || e)); process.exit(1); });
