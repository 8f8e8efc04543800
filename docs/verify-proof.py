#!/usr/bin/env python3
"""Checks a tellonce inclusion proof without tellonce.

Usage: verify-proof.py PUBLIC_KEY PROOF.json

PUBLIC_KEY is the log's key as the council publishes it
(`<origin>+<key id>+<base64 key>`, also printed by `tellonce trace keygen`
and served at /trace/key). PROOF.json is what `tellonce trace prove SEQ`
prints, or an `inclusionProof` object from `accessHistory` / `accessTrace`.

Only the Python 3 standard library, plus the `openssl` command (3.0 or
later) for the Ed25519 signature. Each step is a rule of a public
specification, so it can be checked by hand or rewritten in any language:

1. The key (C2SP signed-note): base64 decodes to 0x01 (Ed25519) followed by
   the 32-byte public key; its id is the first 4 bytes of
   SHA-256(origin || "\\n" || 0x01 || key).
2. The checkpoint (C2SP tlog-checkpoint in a signed note): the text is every
   line up to the first blank line (origin, tree size, base64 root hash);
   each following line "— <name> <base64>" is a signature whose first 4
   bytes are a key id and whose other 64 are an Ed25519 signature of the
   text (with its final newline).
3. The leaf (RFC 9162 2.1.1): SHA-256(0x00 || canonical entry), when the
   entry is given; else the proof's leafHash is taken as it is.
4. The audit path (RFC 9162 2.1.3.2) from the leaf must reach the
   checkpoint's root hash, for the checkpoint's tree size.

Exit 0 and "ok: ..." if every step holds; exit 1 naming the step that
failed.
"""

import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile


def fail(message):
    print("INVALID: " + message)
    sys.exit(1)


def parse_key(vkey):
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        fail("the public key is not <origin>+<id>+<key>")
    name, key_id, key = parts
    raw = base64.b64decode(key)
    if len(raw) != 33 or raw[0] != 1:
        fail("the public key is not an Ed25519 signed-note key")
    expected = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if expected.hex() != key_id:
        fail("the public key's id does not match its name and key")
    return name, expected, raw[1:]


def ed25519_verify(public, message, signature):
    # A DER SubjectPublicKeyInfo for an Ed25519 key is a fixed prefix
    # followed by the 32 key bytes (RFC 8410).
    der = bytes.fromhex("302a300506032b6570032100") + public
    pem = (
        "-----BEGIN PUBLIC KEY-----\n"
        + base64.b64encode(der).decode()
        + "\n-----END PUBLIC KEY-----\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, data in (("key.pem", pem.encode()), ("msg", message), ("sig", signature)):
            paths[name] = os.path.join(tmp, name)
            with open(paths[name], "wb") as f:
                f.write(data)
        result = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", paths["key.pem"],
             "-rawin", "-in", paths["msg"], "-sigfile", paths["sig"]],
            capture_output=True,
        )
        return result.returncode == 0


def open_checkpoint(note, name, key_id, public):
    text, sep, signatures = note.partition("\n\n")
    if not sep:
        fail("the checkpoint is not a signed note (no blank line)")
    text += "\n"
    lines = text.split("\n")
    if len(lines) < 4 or lines[0] != name:
        fail("the checkpoint is not of the log this key names")
    size = int(lines[1])
    root = base64.b64decode(lines[2])
    signed = False
    for line in signatures.splitlines():
        if not line.startswith("\u2014 "):
            continue
        signer, _, sig = line[2:].partition(" ")
        raw = base64.b64decode(sig)
        if signer == name and raw[:4] == key_id:
            if not ed25519_verify(public, text.encode(), raw[4:]):
                fail("the checkpoint's signature does not hold")
            signed = True
    if not signed:
        fail("the checkpoint is not signed by this key")
    return size, root


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_path(index, size, leaf, path):
    # RFC 9162 2.1.3.2, step by step.
    if index >= size:
        fail("the leaf index is not inside the tree")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            fail("the audit path is too long")
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        fail("the audit path is too short")
    return r


def main():
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[1])
        sys.exit(2)
    name, key_id, public = parse_key(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as f:
        proof = json.load(f)
    size, root = open_checkpoint(proof["checkpoint"], name, key_id, public)
    if size != proof["treeSize"]:
        fail("the proof is for another tree size than the checkpoint's")
    leaf = base64.b64decode(proof["leafHash"])
    entry = proof.get("entry")
    if entry is not None:
        if hashlib.sha256(b"\x00" + entry.encode()).digest() != leaf:
            fail("the entry does not hash to the proof's leaf hash")
    path = [base64.b64decode(h) for h in proof["hashes"]]
    if root_from_path(proof["leafIndex"], size, leaf, path) != root:
        fail("the audit path does not lead to the checkpoint's root")
    what = "the entry given" if entry is not None else "the leaf hash given"
    print(f"ok: {what} is entry {proof['leafIndex'] + 1} of the log {name} of {size} entries")


if __name__ == "__main__":
    main()
