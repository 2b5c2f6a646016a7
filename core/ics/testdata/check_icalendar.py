"""Parse an iCalendar file with Debian's python3-icalendar and print, as JSON,
what the Go tests compare with what core/ics wrote (see check-icaljs.mjs for
the same from ical.js).

Usage: /usr/bin/python3 check_icalendar.py FILE.ics
"""
import datetime
import json
import sys

import icalendar


def when(prop):
    if prop is None:
        return None
    v = prop.dt
    tzid = prop.params.get("TZID", "")
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            raise ValueError("floating date-time %r" % (v,))
        return {"tzid": str(tzid), "ms": int(v.timestamp()) * 1000}
    return {"tzid": str(tzid), "date": v.isoformat()}


def text(comp, name):
    v = comp.get(name)
    return "" if v is None else str(v)


def main(path):
    with open(path, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    for p in ("PRODID", "VERSION"):
        if p not in cal:
            raise ValueError("VCALENDAR lacks " + p)
    events = []
    for c in cal.walk("VEVENT"):
        for p in ("UID", "DTSTAMP", "DTSTART"):
            if p not in c:
                raise ValueError("VEVENT lacks " + p)
        att = c.get("ATTENDEE", [])
        if not isinstance(att, list):
            att = [att]
        events.append({
            "uid": text(c, "UID"),
            "recurrenceId": when(c.get("RECURRENCE-ID")),
            "start": when(c.get("DTSTART")),
            "end": when(c.get("DTEND")),
            "summary": text(c, "SUMMARY"),
            "location": text(c, "LOCATION"),
            "class": text(c, "CLASS"),
            "status": text(c, "STATUS"),
            "organizer": text(c, "ORGANIZER"),
            "attendees": [str(a) for a in att],
        })
    out = {
        "name": text(cal, "X-WR-CALNAME"),
        "timezones": [text(z, "TZID") for z in cal.walk("VTIMEZONE")],
        "events": events,
    }
    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
