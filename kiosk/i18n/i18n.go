// Package i18n holds the kiosk's translations: one JSON catalogue per
// language, embedded in the binary, and the language-aware formatting of
// times, dates and durations.
//
// It is deliberately not fyne.io/fyne/v2/lang: that package picks one
// language from the system locale at start-up and keeps it in global state,
// while a kiosk switches language at run time (an operator setting, or a
// visitor's tap) and may show two players in two languages. A Localizer is
// an immutable value, so switching is "use another Localizer".
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Languages are the language tags the kiosk ships, in menu order.
var Languages = []string{"en", "zh-TW", "zh-CN", "de"}

// Fallback is the language used for unknown tags and missing keys.
const Fallback = "en"

//go:embed catalog/*.json
var catalogFS embed.FS

// catalog maps a key to its text; loaded once at package init from the
// embedded files, which tests check for completeness.
var catalogs = mustLoad()

func mustLoad() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, l := range Languages {
		data, err := catalogFS.ReadFile("catalog/" + l + ".json")
		if err != nil {
			panic("i18n: missing embedded catalogue " + l) // a build defect, caught by every test
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			panic("i18n: catalogue " + l + ": " + err.Error())
		}
		out[l] = m
	}
	return out
}

// Keys returns the keys of lang's catalogue, sorted; nil for an unknown
// language.
func Keys(lang string) []string {
	m, ok := catalogs[lang]
	if !ok {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Raw returns the untranslated catalogue text of key in lang.
func Raw(lang, key string) (string, bool) {
	s, ok := catalogs[lang][key]
	return s, ok
}

var placeholderRE = regexp.MustCompile(`\{[a-zA-Z]+\}`)

// Placeholders returns the sorted, distinct {name} placeholders of s.
func Placeholders(s string) []string {
	ps := placeholderRE.FindAllString(s, -1)
	slices.Sort(ps)
	return slices.Compact(ps)
}

// Localizer translates keys and formats values for one language. The zero
// value is not usable; use New.
type Localizer struct {
	lang string
	cat  map[string]string
}

// New returns the Localizer for lang ("en", "zh-TW", "zh-CN", "de").
// Unknown tags fall back to the closest shipped language: any "zh" with
// Hant/TW/HK/MO to zh-TW, other "zh" to zh-CN, "de-*" to de, the rest to
// English.
func New(lang string) Localizer {
	l := Match(lang)
	return Localizer{lang: l, cat: catalogs[l]}
}

// Match returns the shipped language closest to the tag lang.
func Match(lang string) string {
	t := strings.ToLower(strings.ReplaceAll(lang, "_", "-"))
	switch {
	case t == "zh-tw" || strings.HasPrefix(t, "zh-hant") || t == "zh-hk" || t == "zh-mo":
		return "zh-TW"
	case t == "zh" || strings.HasPrefix(t, "zh-"):
		return "zh-CN"
	case t == "de" || strings.HasPrefix(t, "de-"):
		return "de"
	}
	return Fallback
}

// Lang returns the localizer's language tag.
func (l Localizer) Lang() string { return l.lang }

// T returns the text of key with each {name} replaced by the value after
// name in args (pairs of name, value). A key missing from the language
// falls back to English, and a key missing there is returned as is, so a
// defect shows up on screen rather than as a blank.
func (l Localizer) T(key string, args ...any) string {
	s, ok := l.cat[key]
	if !ok {
		if s, ok = catalogs[Fallback][key]; !ok {
			return key
		}
	}
	if len(args) == 0 || !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Time formats the clock time of t (already in the room's zone).
func (l Localizer) Time(t time.Time) string {
	return t.Format(l.T("format.time"))
}

// Date formats t as a long date with the weekday, e.g. "Monday, March 3".
func (l Localizer) Date(t time.Time) string {
	return l.T("format.date",
		"weekday", l.T("weekday."+strconv.Itoa(int(t.Weekday()))),
		"month", l.T("month."+strconv.Itoa(int(t.Month()))),
		"day", t.Day())
}

// Range formats the interval start–end as clock times.
func (l Localizer) Range(start, end time.Time) string {
	return l.T("range", "start", l.Time(start), "end", l.Time(end))
}

// Duration formats d rounded up to whole minutes: "45 min", "1 h 5 min".
// Rounding up keeps "0 min left" off the screen while a meeting runs.
func (l Localizer) Duration(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m < 1 {
		m = 1
	}
	h, m := m/60, m%60
	switch {
	case h == 0:
		return l.T("duration.m", "m", m)
	case m == 0:
		return l.T("duration.h", "h", h)
	}
	return l.T("duration.hm", "h", h, "m", m)
}

// Name returns the language's own name ("English", "繁體中文", ...).
func (l Localizer) Name() string { return l.T("language.name") }
