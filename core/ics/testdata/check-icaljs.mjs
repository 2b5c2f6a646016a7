// check-icaljs.mjs parses an iCalendar file with ical.js and prints what the
// Go tests compare with what core/ics wrote: one JSON object per event with
// its UID, RECURRENCE-ID, start and end (UTC milliseconds for date-times, the
// date for all-day events), TZIDs and text fields.
//
// Usage: node check-icaljs.mjs FILE.ics   (ical.js from `npm ci --prefix core/ics/testdata`)
import ICAL from "ical.js";
import { readFileSync } from "node:fs";

// ical.js leaves X- properties unescaped (value type "unknown"); calendar
// clients treat X-WR-CALNAME as TEXT, so tell ical.js the same.
ICAL.design.icalendar.property["x-wr-calname"] = { defaultType: "text" };

function when(prop) {
  if (!prop) return null;
  const t = prop.getFirstValue();
  const out = { tzid: prop.getParameter("tzid") || "" };
  if (t.isDate) {
    out.date = t.toString(); // YYYY-MM-DD
  } else {
    // A TZID that does not resolve to a VTIMEZONE would leave the time
    // floating; say so instead of guessing an instant in node's zone.
    if (out.tzid && (!t.zone || t.zone.tzid !== out.tzid)) {
      throw new Error(`TZID ${out.tzid} did not resolve (zone ${t.zone && t.zone.tzid})`);
    }
    out.ms = t.toUnixTime() * 1000;
  }
  return out;
}

const text = readFileSync(process.argv[2], "utf8");
const cal = new ICAL.Component(ICAL.parse(text));
for (const p of ["prodid", "version"]) {
  if (!cal.hasProperty(p)) throw new Error(`VCALENDAR lacks ${p}`);
}
const events = cal.getAllSubcomponents("vevent").map((c) => {
  for (const p of ["uid", "dtstamp", "dtstart"]) {
    if (!c.hasProperty(p)) throw new Error(`VEVENT lacks ${p}`);
  }
  const rid = c.getFirstProperty("recurrence-id");
  return {
    uid: c.getFirstPropertyValue("uid"),
    recurrenceId: rid ? when(rid) : null,
    start: when(c.getFirstProperty("dtstart")),
    end: when(c.getFirstProperty("dtend")),
    summary: c.getFirstPropertyValue("summary") || "",
    location: c.getFirstPropertyValue("location") || "",
    class: c.getFirstPropertyValue("class") || "",
    status: c.getFirstPropertyValue("status") || "",
    organizer: c.getFirstPropertyValue("organizer") || "",
    attendees: c.getAllProperties("attendee").map((a) => a.getFirstValue()),
  };
});
process.stdout.write(JSON.stringify({
  name: cal.getFirstPropertyValue("x-wr-calname") || "",
  timezones: cal.getAllSubcomponents("vtimezone").map((z) => z.getFirstPropertyValue("tzid")),
  events,
}) + "\n");
