// Mints the HS256 tokens PostGraphile accepts (bench/run.sh): reads
// "agency_id<TAB>child" lines on stdin, writes "token<TAB>child<TAB>-".
// The secret comes from PEER_JWT_SECRET (made by the script at run time),
// the role from PEER_ROLE. aud is PostGraphile 4's default audience.
"use strict";
const crypto = require("crypto");
const secret = process.env.PEER_JWT_SECRET;
const role = process.env.PEER_ROLE;
if (!secret || !role) throw new Error("PEER_JWT_SECRET and PEER_ROLE are required");
const b64 = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
const header = b64({ alg: "HS256", typ: "JWT" });
const exp = Math.floor(Date.now() / 1000) + 8 * 3600;
const cache = new Map();
const token = (agency) => {
  if (!cache.has(agency)) {
    const body = `${header}.${b64({ role, agency_id: agency, aud: "postgraphile", exp })}`;
    const sig = crypto.createHmac("sha256", secret).update(body).digest("base64url");
    cache.set(agency, `${body}.${sig}`);
  }
  return cache.get(agency);
};
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const out = [];
  for (const line of input.split("\n")) {
    const [agency, child] = line.split("\t");
    if (agency && child) out.push(`${token(agency)}\t${child}\t-`);
  }
  process.stdout.write(out.join("\n") + "\n");
});
