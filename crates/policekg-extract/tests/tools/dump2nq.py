#!/usr/bin/env python3
"""Turns the JSON lines of `--example dump` into N-Quads shaped like the model stage's output, so the
extraction can be scored with ../shared/eval/score.py before (or without) the full pipeline.

    cargo run -p policekg-extract --release --example dump -- DIR | python3 dump2nq.py > out.nq
"""
import json
import sys
from urllib.parse import quote

B = "https://w3id.org/policekg/id/"
PK = "https://w3id.org/policekg/ns#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"


def iri(kind, key):
    return f"<{B}{kind}/{quote(key, safe='')}>"


def lit(s, dt=None):
    s = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{s}"' + (f"^^<{dt}>" if dt else "")


def key(label):
    return "".join(c for c in label if not c.isspace() and c not in "\"'“”‘’「」『』《》")


out = []
def t(s, p, o):
    out.append(f"{s} <{p}> {o} .")

for line in sys.stdin:
    d = json.loads(line)
    x = d["extraction"]
    doc = iri("doc", d["id"])
    t(doc, RDF, f"<{PK}Document>")
    t(doc, DCT + "identifier", lit(d["id"]))
    units = {u["label"] for u in x["units"]}
    org = lambda l: iri("unit", l) if l in units else iri("agency", l)
    for a in x["agencies"]:
        n = iri("agency", a["label"])
        t(n, RDF, f"<{PK}Agency>")
        t(n, RDFS, lit(a["label"]))
        for al in a["alt_labels"]:
            t(n, SKOS + "altLabel", lit(al))
        if a.get("parent"):
            t(n, ORG + "subOrganizationOf", iri("agency", a["parent"]))
        if a.get("mentioned", bool(a["evidence"])):
            t(n, PK + "mentionedIn", doc)
    for u in x["units"]:
        n = iri("unit", u["label"])
        t(n, RDF, f"<{PK}Unit>")
        t(n, RDFS, lit(u["label"]))
        for al in u["alt_labels"] + ([u["name"]] if u["name"] != u["label"] else []):
            t(n, SKOS + "altLabel", lit(al))
        if u.get("parent"):
            t(n, ORG + "subOrganizationOf", org(u["parent"]))
        t(n, PK + "mentionedIn", doc)
    for c in x["campaigns"]:
        n = iri("campaign", key(c["label"]))
        t(n, RDF, f"<{PK}Campaign>")
        t(n, RDFS, lit(c["label"]))
        for al in c["alt_labels"]:
            t(n, SKOS + "altLabel", lit(al))
        if c.get("part_of"):
            t(n, PK + "partOf", iri("campaign", key(c["part_of"])))
        t(n, PK + "mentionedIn", doc)
    for i, op in enumerate(x["operations"]):
        n = f"<{B}doc/{quote(d['id'])}/operation/{i+1}>"
        t(n, RDF, f"<{PK}Operation>")
        if op.get("date"):
            t(n, PK + "date", lit(op["date"]))
        for by in op["conducted_by"]:
            t(n, PK + "conductedBy", org(by))
        t(n, PROV + "wasDerivedFrom", doc)
    for i, o in enumerate(x["outcomes"]):
        n = f"<{B}doc/{quote(d['id'])}/outcome/{i+1}>"
        m = f"<{PK}metric_{o['metric']}>"
        t(n, RDF, f"<{PK}Outcome>")
        t(n, PK + "metric", m)
        t(m, SKOS + "notation", lit(o["metric"]))
        t(n, PK + "value", lit(o["value"], "http://www.w3.org/2001/XMLSchema#decimal"))
        t(n, PK + "unit", lit(o["unit"]))
        t(n, PK + "approximate", lit("true" if o["approximate"] else "false", "http://www.w3.org/2001/XMLSchema#boolean"))
        if o.get("attributed_to"):
            t(n, PK + "attributedTo", org(o["attributed_to"]))
        if o.get("campaign"):
            t(n, PK + "campaign", iri("campaign", key(o["campaign"])))
        t(n, PROV + "wasDerivedFrom", doc)
print("\n".join(sorted(set(out))))
