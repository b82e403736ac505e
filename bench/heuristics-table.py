#!/usr/bin/env python3
"""heuristics-table.py MANIFEST SCAN_JSON THRESHOLD - the tables of bench/heuristics.sh.

MANIFEST is tests/corpus/gen-corpus.py's (FILE, class, category, trick per line);
SCAN_JSON is "mailvet scan --json" over the same files (one object per message,
"file" the path as given, "./NAME").  THRESHOLD is the policy's suspicious
threshold (thresholds.suspicious).  Prints Markdown on stdout:

  - per campaign category: messages, flagged (verdict other than clean: tagged or
    worse), stopped (action quarantine, reject, discard or tempfail: not delivered
    as is), and per clean category the same, which are then false positives;
  - overall rates for both classes;
  - the three rules closest to the threshold on clean mail: of the rules that hit
    an ordinary message that stayed clean with a score of their own, the highest
    score of such a message each took part in (the rules of false positives are
    listed with them);
  - the misses and the false positives, one line each, with their hits.
Python 3 standard library only.
"""

import json
import sys

STOP = ("quarantine", "reject", "discard", "tempfail")


def load(manifest, scan):
    rows = {}
    with open(manifest, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            f, cls, cat, trick = line.rstrip("\n").split("\t")
            rows[f] = {"class": cls, "category": cat, "trick": trick, "report": None}
    dec = json.JSONDecoder()
    with open(scan, encoding="utf-8") as fh:
        text = fh.read()
    i = 0
    while i < len(text):
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        obj, i = dec.raw_decode(text, i)
        name = obj.get("file", "").rsplit("/", 1)[-1]
        if name in rows:
            rows[name]["report"] = obj
    return rows


def pct(k, n):
    return "%d/%d (%.0f %%)" % (k, n, 100.0 * k / n) if n else "0/0"


def main():
    manifest, scan, threshold = sys.argv[1], sys.argv[2], float(sys.argv[3])
    rows = load(manifest, scan)
    missing = [f for f, r in rows.items() if r["report"] is None]
    for cls, title, what in (("campaign", "Campaign look-alikes (detection)", "detected"),
                             ("clean", "Ordinary mail (false positives)", "false positive")):
        cats = []
        for f in sorted(rows):
            r = rows[f]
            if r["class"] == cls and r["category"] not in cats:
                cats.append(r["category"])
        print("### %s\n" % title)
        print("| category | messages | flagged (%s: tag or worse) | stopped (quarantine/reject) |"
              % what)
        print("|---|---:|---:|---:|")
        tot = [0, 0, 0]
        for cat in cats:
            rs = [r for r in rows.values() if r["class"] == cls and r["category"] == cat and r["report"]]
            fl = sum(1 for r in rs if r["report"]["verdict"] != "clean")
            st = sum(1 for r in rs if r["report"]["action"] in STOP)
            tot = [tot[0] + len(rs), tot[1] + fl, tot[2] + st]
            print("| %s | %d | %s | %s |" % (cat, len(rs), pct(fl, len(rs)), pct(st, len(rs))))
        print("| **all %s** | %d | %s | %s |\n" % (cls, tot[0], pct(tot[1], tot[0]), pct(tot[2], tot[0])))

    print("### Rules closest to the threshold (%g) on clean mail\n" % threshold)
    print("Of the ordinary messages that stayed clean, the highest score each rule took part in "
          "(the rules of the false positives are listed with them below).\n")
    best = {}
    for f, r in sorted(rows.items()):
        if r["class"] != "clean" or not r["report"] or r["report"]["verdict"] != "clean":
            continue
        score = r["report"].get("score") or 0
        for h in r["report"].get("hits") or []:
            if not h.get("score"):
                continue  # a modifier that scores nothing alone
            cur = best.get(h["id"])
            if cur is None or score > cur[0]:
                best[h["id"]] = (score, h["score"], f)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))
    print("| rule | rule score | highest clean message score | message | below threshold by |")
    print("|---|---:|---:|---|---:|")
    for rid, (score, rscore, f) in ranked[:3]:
        print("| %s | %g | %g | %s | %g |" % (rid, rscore, score, f, threshold - score))
    print()

    print("### Misses (campaign look-alikes left clean)\n")
    for f, r in sorted(rows.items()):
        rep = r["report"]
        if r["class"] == "campaign" and rep and rep["verdict"] == "clean":
            print("- %s (%s): score %g, hits: %s" % (f, r["trick"], rep.get("score") or 0,
                                                     " ".join(h["id"] for h in rep.get("hits") or []) or "none"))
    print("\n### False positives (ordinary mail not clean)\n")
    for f, r in sorted(rows.items()):
        rep = r["report"]
        if r["class"] == "clean" and rep and rep["verdict"] != "clean":
            print("- %s (%s): %s/%s, score %g, hits: %s" % (
                f, r["trick"], rep["verdict"], rep["action"], rep.get("score") or 0,
                " ".join(h["id"] for h in rep.get("hits") or []) or "none"))
    if missing:
        print("\n%d messages have no report: %s" % (len(missing), " ".join(sorted(missing))))
        sys.exit(1)


if __name__ == "__main__":
    main()
