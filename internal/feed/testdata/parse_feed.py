"""Parse a feed file with feedparser and print a JSON summary.

Usage: parse_feed.py FILE

Exit status 3 means feedparser is not importable.
"""
import calendar
import json
import sys

try:
    import feedparser
except ImportError:
    sys.stderr.write("feedparser not installed\n")
    sys.exit(3)


def ts(value):
    return calendar.timegm(value) if value else None


def main():
    with open(sys.argv[1], "rb") as fh:
        data = fh.read()
    d = feedparser.parse(data)
    out = {
        "bozo": bool(d.bozo),
        "bozo_exception": str(d.get("bozo_exception", "")),
        "version": d.version,
        "title": d.feed.get("title"),
        "link": d.feed.get("link"),
        "entries": [],
    }
    for e in d.entries:
        out["entries"].append({
            "id": e.get("id"),
            "title": e.get("title"),
            "link": e.get("link"),
            "published": e.get("published"),
            "updated": e.get("updated"),
            "published_ts": ts(e.get("published_parsed")),
            "updated_ts": ts(e.get("updated_parsed")),
            "summary": e.get("summary"),
            "tags": [t.get("term") for t in e.get("tags", [])],
        })
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
