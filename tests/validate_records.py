#!/usr/bin/python3
"""validate_records.py - check custody's records against evidence-schema/.

usage: validate_records.py --schemas DIR [--examples] [--case CASEDIR]
                           [--report FILE] [--status FILE]
                           [--record NAME FILE]... [--tap-offset N]

Every schema in DIR is checked against JSON Schema 2020-12 and must carry
the $id https://custody.invalid/schema/<file name>.  References between
schemas resolve only from DIR: nothing is fetched from the network.

  --examples       validate DIR/examples/<name>.example.json against
                   <name>.schema.json (every schema but common has one)
  --case CASEDIR   validate case.json, items/*/item.json, every line of
                   custody.log, custody.checkpoint, runs/*.json,
                   recoveries/*/recovery.json, artifacts/*/artifacts.json,
                   acquisitions/*/acquisition.json, extractions/*/extraction.json
                   and every line of extractions/*/inventory.jsonl and
                   extractions/*/botconfigs.jsonl
  --report FILE    validate saved custody-verify --json output
  --status FILE    validate saved custody-case status --json output
  --record NAME FILE
                   validate FILE against NAME.schema.json (custody-log add
                   --json output against event, for instance); repeatable
  --tap-offset N   number the TAP lines from N+1 (to follow other tests)

Prints one TAP line per schema, file or log line: "ok N - what" or
"not ok N - what : why".  Exit 0 when all passed, 1 when one failed,
2 on a usage error.  Run it with Debian's /usr/bin/python3, which has
python3-jsonschema (4.10).
"""

import argparse
import glob
import json
import os
import sys

import jsonschema
from jsonschema import Draft202012Validator, RefResolver

BASE = "https://custody.invalid/schema/"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
ZERO = "0" * 64


class Tap:
    def __init__(self, offset):
        self.n = offset
        self.failed = 0

    def ok(self, what):
        self.n += 1
        print("ok %d - %s" % (self.n, what))

    def not_ok(self, what, why):
        self.n += 1
        self.failed += 1
        why = " ".join(str(why).split())
        if len(why) > 300:
            why = why[:297] + "..."
        print("not ok %d - %s : %s" % (self.n, what, why))


class RecordError(Exception):
    pass


def no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise RecordError("duplicate key %r" % k)
        obj[k] = v
    return obj


def no_float(text):
    raise RecordError("floating-point number %s (records hold integers only)"
                      % text)


def no_constant(text):
    raise RecordError("%s is not JSON" % text)


def parse(text):
    """Parse as custody reads records: no duplicate keys, no floats."""
    return json.loads(text, object_pairs_hook=no_duplicates,
                      parse_float=no_float, parse_constant=no_constant)


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RecordError("not UTF-8: %s" % e)
    try:
        return parse(text)
    except ValueError as e:
        raise RecordError("not JSON: %s" % e)


def refuse_remote(uri):
    raise jsonschema.RefResolutionError("%s is not a schema in --schemas" % uri)


def error_text(err):
    where = "/".join(str(p) for p in err.absolute_path)
    return "%s: %s" % (where or "(root)", err.message)


class Schemas:
    def __init__(self, directory, tap):
        self.dir = directory
        self.tap = tap
        self.store = {}
        self.by_name = {}
        paths = sorted(glob.glob(os.path.join(directory, "*.schema.json")))
        if not paths:
            tap.not_ok("schemas in %s" % directory, "no *.schema.json found")
        for path in paths:
            name = os.path.basename(path)
            try:
                schema = load(path)
                if not isinstance(schema, dict):
                    raise RecordError("not a JSON object")
                if schema.get("$schema") != DIALECT:
                    raise RecordError("$schema is not %s" % DIALECT)
                if schema.get("$id") != BASE + name:
                    raise RecordError("$id is not %s" % (BASE + name))
                Draft202012Validator.check_schema(schema)
            except (OSError, RecordError, jsonschema.SchemaError) as e:
                msg = e.message if isinstance(e, jsonschema.SchemaError) else e
                tap.not_ok("schema %s" % name, msg)
                continue
            self.store[schema["$id"]] = schema
            self.by_name[name[:-len(".schema.json")]] = schema
            tap.ok("schema %s is valid JSON Schema 2020-12" % name)

    def validator(self, kind):
        schema = self.by_name.get(kind)
        if schema is None:
            return None
        resolver = RefResolver(base_uri=schema["$id"], referrer=schema,
                               store=self.store,
                               handlers={"http": refuse_remote,
                                         "https": refuse_remote})
        return Draft202012Validator(schema, resolver=resolver,
                                    format_checker=jsonschema.FormatChecker())

    def check(self, kind, instance):
        """The problems of INSTANCE against KIND, as a list of strings."""
        v = self.validator(kind)
        if v is None:
            return ["no schema %s.schema.json" % kind]
        try:
            errors = sorted(v.iter_errors(instance),
                            key=lambda e: list(map(str, e.absolute_path)))
        except jsonschema.RefResolutionError as e:
            return ["unresolved reference: %s" % e]
        return [error_text(e) for e in errors]

    def file(self, kind, path, label, extra=None):
        try:
            instance = load(path)
        except (OSError, RecordError) as e:
            self.tap.not_ok(label, e)
            return None
        problems = self.check(kind, instance)
        if not problems and extra:
            problems = extra(instance)
        if problems:
            self.tap.not_ok(label, "; ".join(problems))
        else:
            self.tap.ok(label)
        return instance


def check_examples(s, tap):
    exdir = os.path.join(s.dir, "examples")
    for kind in sorted(s.by_name):
        if kind == "common":
            continue
        path = os.path.join(exdir, kind + ".example.json")
        label = "example %s.example.json matches %s.schema.json" % (kind, kind)
        if not os.path.exists(path):
            tap.not_ok(label, "missing")
            continue
        s.file(kind, path, label)
    for path in sorted(glob.glob(os.path.join(exdir, "*.example.json"))):
        kind = os.path.basename(path)[:-len(".example.json")]
        if kind not in s.by_name:
            tap.not_ok("example %s" % os.path.basename(path),
                       "no schema %s.schema.json" % kind)


def check_log(s, tap, case):
    path = os.path.join(case, "custody.log")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        tap.not_ok("custody.log", e)
        return
    if not data:
        tap.not_ok("custody.log", "empty (init logs case-created)")
        return
    lines = data.split(b"\n")
    if lines[-1] != b"":
        tap.not_ok("custody.log", "last line is incomplete (no newline)")
    for i, raw in enumerate(lines[:-1], 1):
        label = "custody.log line %d matches event.schema.json" % i
        try:
            ev = parse(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecordError) as e:
            tap.not_ok(label, e)
            continue
        problems = s.check("event", ev)
        if not problems and isinstance(ev, dict) and ev.get("seq") != i:
            problems = ["seq %r on line %d" % (ev.get("seq"), i)]
        if problems:
            tap.not_ok(label, "; ".join(problems))
        else:
            tap.ok(label)


def check_jsonl(s, tap, path, kind, label):
    """Every line of the JSON Lines file PATH against KIND.schema.json."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        tap.not_ok(label, e)
        return
    lines = data.split(b"\n")
    if lines[-1] != b"":
        tap.not_ok(label, "last line is incomplete (no newline)")
        return
    bad = []
    for i, raw in enumerate(lines[:-1], 1):
        try:
            rec = parse(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecordError) as e:
            bad.append("line %d: %s" % (i, e))
            continue
        bad.extend("line %d: %s" % (i, p) for p in s.check(kind, rec))
    if bad:
        tap.not_ok(label, "; ".join(bad[:5]))
    else:
        tap.ok(label)


def check_case(s, tap, case):
    s.file("case", os.path.join(case, "case.json"),
           "case.json matches case.schema.json")
    items = os.path.join(case, "items")
    for d in sorted(os.listdir(items)) if os.path.isdir(items) else []:
        def same_id(rec, d=d):
            return [] if rec.get("id") == d else [
                "id %r is not its folder name %r" % (rec.get("id"), d)]
        s.file("item", os.path.join(items, d, "item.json"),
               "items/%s/item.json matches item.schema.json" % d, same_id)
    check_log(s, tap, case)
    runs = os.path.join(case, "runs")
    for f in sorted(os.listdir(runs)) if os.path.isdir(runs) else []:
        if f.endswith(".json"):
            s.file("run", os.path.join(runs, f),
                   "runs/%s matches run.schema.json" % f)
    rec = os.path.join(case, "recoveries")
    for d in sorted(os.listdir(rec)) if os.path.isdir(rec) else []:
        if not d.endswith(".partial"):
            s.file("recovery", os.path.join(rec, d, "recovery.json"),
                   "recoveries/%s/recovery.json matches recovery.schema.json"
                   % d)
    checkpoint = os.path.join(case, "custody.checkpoint")
    if os.path.exists(checkpoint):
        s.file("checkpoint", checkpoint,
               "custody.checkpoint matches checkpoint.schema.json")
    # each sealed unit's record, by the kind of unit
    for kind, record, schema in (("artifacts", "artifacts.json", "artifacts"),
                                 ("acquisitions", "acquisition.json",
                                  "acquisition"),
                                 ("extractions", "extraction.json",
                                  "extraction")):
        top = os.path.join(case, kind)
        for d in sorted(os.listdir(top)) if os.path.isdir(top) else []:
            if d.endswith(".partial"):
                continue  # not sealed, not evidence; status and verify report it
            def same_unit(rec, d=d, kind=kind):
                return [] if rec.get("unit") == kind + "/" + d else [
                    "unit %r is not its folder %s/%s" % (rec.get("unit"), kind, d)]
            s.file(schema, os.path.join(top, d, record),
                   "%s/%s/%s matches %s.schema.json" % (kind, d, record, schema),
                   same_unit)
            if kind == "extractions":
                check_jsonl(s, tap, os.path.join(top, d, "inventory.jsonl"),
                            "inventory",
                            "%s/%s/inventory.jsonl: every line matches "
                            "inventory.schema.json" % (kind, d))
                bc = os.path.join(top, d, "botconfigs.jsonl")
                if os.path.exists(bc):
                    check_jsonl(s, tap, bc, "botconfig",
                                "%s/%s/botconfigs.jsonl: every line matches "
                                "botconfig.schema.json" % (kind, d))


def main():
    ap = argparse.ArgumentParser(
        prog="validate_records.py",
        description="Check custody records against evidence-schema/ (TAP).")
    ap.add_argument("--schemas", required=True, metavar="DIR",
                    help="the evidence-schema folder")
    ap.add_argument("--examples", action="store_true",
                    help="validate DIR/examples/*.example.json")
    ap.add_argument("--case", metavar="CASEDIR",
                    help="validate the records of a case folder")
    ap.add_argument("--report", metavar="FILE",
                    help="validate saved custody-verify --json output")
    ap.add_argument("--status", metavar="FILE",
                    help="validate saved custody-case status --json output")
    ap.add_argument("--record", nargs=2, action="append", default=[],
                    metavar=("NAME", "FILE"),
                    help="validate FILE against NAME.schema.json")
    ap.add_argument("--tap-offset", type=int, default=0, metavar="N",
                    help="number the TAP lines from N+1")
    args = ap.parse_args()

    tap = Tap(args.tap_offset)
    s = Schemas(args.schemas, tap)
    if args.examples:
        check_examples(s, tap)
    if args.case:
        check_case(s, tap, args.case)
    records = []
    if args.report:
        records.append(("verify-report", args.report))
    if args.status:
        records.append(("status", args.status))
    for kind, path in records + args.record:
        s.file(kind, path, "%s matches %s.schema.json"
               % (os.path.basename(path), kind))
    sys.stdout.flush()
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
