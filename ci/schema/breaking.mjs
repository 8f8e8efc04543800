// Fails on a breaking change between the previous release's SDL and
// schema.graphql unless ci/schema/accepted-breaking.txt lists it, with a
// reason. Each line there is `<change path> | <reason>`; `#` starts a
// comment. An accepted entry that no longer matches a change fails too, so
// the list is emptied after each release.
import { readFileSync } from "node:fs";
import { buildSchema } from "graphql";
import { diff, CriticalityLevel } from "@graphql-inspector/core";

const [releasePath, currentPath, acceptedPath] = process.argv.slice(2);
const load = (p) => buildSchema(readFileSync(p, "utf8"));

const accepted = new Map();
for (const [n, raw] of readFileSync(acceptedPath, "utf8").split("\n").entries()) {
  const line = raw.trim();
  if (line === "" || line.startsWith("#")) continue;
  const bar = line.indexOf("|");
  const path = bar < 0 ? "" : line.slice(0, bar).trim();
  const reason = bar < 0 ? "" : line.slice(bar + 1).trim();
  if (path === "" || reason === "") {
    console.error(`${acceptedPath}:${n + 1}: write '<change path> | <reason>'`);
    process.exit(1);
  }
  accepted.set(path, reason);
}

const changes = await diff(load(releasePath), load(currentPath));
const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
const used = new Set();
let failed = false;
for (const c of breaking) {
  const path = c.path ?? c.message;
  if (accepted.has(path)) {
    used.add(path);
    console.log(`accepted breaking: ${path}: ${c.message} (${accepted.get(path)})`);
  } else {
    failed = true;
    console.error(`BREAKING: ${path}: ${c.message}`);
  }
}
for (const path of accepted.keys()) {
  if (!used.has(path)) {
    failed = true;
    console.error(`accepted-breaking.txt lists '${path}', which is no breaking change: remove it`);
  }
}
const others = changes.length - breaking.length;
console.log(`${breaking.length} breaking change(s), ${others} other change(s) since the release`);
if (failed) {
  console.error("FAIL: unaccepted breaking changes (see README, 'Changing the schema')");
  process.exit(1);
}
