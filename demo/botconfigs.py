#!/usr/bin/env python3
"""botconfigs.py FILE - one line per record of a botconfigs.jsonl, as the
demo shows them: family, extractor, status, where, and what was found."""
import json
import sys

for line in open(sys.argv[1]):
    r = json.loads(line)
    where = r["provenance"]["places"][0]["path"]
    found = []
    if "botnet" in r:
        found.append("botnet " + r["botnet"])
    if "c2" in r:
        found.append("%d C&C endpoints" % len(r["c2"]))
    for c in r.get("credentials", []):
        found.append("%s credentials (%s)" % (c.get("service", "?"),
                                              c.get("username", "?")))
    for k in r.get("keys", []):
        found.append("%s key (%s)" % (k["algorithm"], k["usage"]))
    for name, items in sorted(r.get("targets", {}).items()):
        found.append("%d %s" % (len(items), name.replace("_", " ")))
    for d in r.get("derived_from", []):
        found.append("opened with the key of %s" % d.get("path", d.get("given")))
    print("  %s %s [%s] %s: %s" % (r["family"], r["extractor"], r["status"],
                                   where, ", ".join(found)))
