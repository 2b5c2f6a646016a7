package i18n

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestCataloguesComplete checks that every language has exactly the
// English keys, with the same placeholders, and no empty text.
func TestCataloguesComplete(t *testing.T) {
	en := Keys(Fallback)
	if len(en) < 50 {
		t.Fatalf("English catalogue has only %d keys", len(en))
	}
	for _, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			if diff := cmp.Diff(en, Keys(lang)); diff != "" {
				t.Errorf("keys differ from English (-en +%s):\n%s", lang, diff)
			}
			for _, k := range en {
				want, _ := Raw(Fallback, k)
				got, ok := Raw(lang, k)
				if !ok {
					continue
				}
				if got == "" {
					t.Errorf("%s: empty text", k)
				}
				if diff := cmp.Diff(Placeholders(want), Placeholders(got)); diff != "" {
					t.Errorf("%s: placeholders differ (-en +%s):\n%s", k, lang, diff)
				}
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct{ in, want string }{
		{"en", "en"}, {"en_US.UTF-8", "en"}, {"fr", "en"}, {"", "en"},
		{"zh-TW", "zh-TW"}, {"zh_TW", "zh-TW"}, {"zh-Hant-HK", "zh-TW"}, {"zh-HK", "zh-TW"},
		{"zh-CN", "zh-CN"}, {"zh", "zh-CN"}, {"zh-Hans", "zh-CN"},
		{"de", "de"}, {"de-CH", "de"}, {"DE_at", "de"},
	}
	for _, tc := range tests {
		if got := Match(tc.in); got != tc.want {
			t.Errorf("Match(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormatting(t *testing.T) {
	taipei, err := time.LoadLocation("Asia/Taipei")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 14, 5, 0, 0, taipei) // a Monday
	tests := []struct {
		lang                      string
		time, date, dur, durShort string
	}{
		{"en", "2:05 PM", "Monday, March 2", "1 h 5 min", "45 min"},
		{"de", "14:05", "Montag, 2. März", "1 Std. 5 Min.", "45 Min."},
		{"zh-TW", "14:05", "3月2日 星期一", "1 小時 5 分鐘", "45 分鐘"},
		{"zh-CN", "14:05", "3月2日 星期一", "1 小时 5 分钟", "45 分钟"},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			l := New(tc.lang)
			got := []string{l.Time(at), l.Date(at), l.Duration(65 * time.Minute), l.Duration(44*time.Minute + time.Second)}
			want := []string{tc.time, tc.date, tc.dur, tc.durShort}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestT(t *testing.T) {
	l := New("de")
	if got, want := l.T("detail.freeUntil", "time", "14:00"), "Frei bis 14:00"; got != want {
		t.Errorf("T = %q, want %q", got, want)
	}
	if got := l.T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q, want the key itself", got)
	}
	if got, want := New("en").Duration(0), "1 min"; got != want {
		t.Errorf("Duration(0) = %q, want %q", got, want)
	}
	if got, want := New("en").Duration(2*time.Hour), "2 h"; got != want {
		t.Errorf("Duration(2h) = %q, want %q", got, want)
	}
}
