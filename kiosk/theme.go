package kiosk

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/roomboard/roomboard/core/room"
)

// tone is the colour family a room status is shown in.
type tone int

const (
	toneUnknown  tone = iota // no data for the room
	toneFree                 // free
	toneBusy                 // busy, checked in, ending soon
	toneSoon                 // a meeting starts within minutes
	toneCheckIn              // waiting for someone to check in
	toneReleased             // free because nobody checked in
)

// toneOf maps a room status to its colour family.
func toneOf(s room.Status) tone {
	switch s {
	case room.Free:
		return toneFree
	case room.Busy, room.CheckedIn, room.EndingSoon:
		return toneBusy
	case room.StartingSoon:
		return toneSoon
	case room.AwaitingCheckIn:
		return toneCheckIn
	case room.Released:
		return toneReleased
	}
	return toneUnknown
}

// palette is the set of colours of one Variant.
type palette struct {
	background, panel, foreground, muted, separator color.NRGBA
	status                                          [toneReleased + 1]color.NRGBA
}

func rgb(v uint32) color.NRGBA {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

var palettes = map[Variant]palette{
	Dark: {
		background: rgb(0x0e1116), panel: rgb(0x1a1f27), foreground: rgb(0xf2f4f7), muted: rgb(0xaab2be), separator: rgb(0x2c3440),
		status: [...]color.NRGBA{toneUnknown: rgb(0x4a5563), toneFree: rgb(0x14803c), toneBusy: rgb(0xc0262d),
			toneSoon: rgb(0xf0a500), toneCheckIn: rgb(0x1d5fd1), toneReleased: rgb(0x0f7b6c)},
	},
	Light: {
		background: rgb(0xeef1f5), panel: rgb(0xffffff), foreground: rgb(0x14181f), muted: rgb(0x4f5966), separator: rgb(0xd5dae1),
		status: [...]color.NRGBA{toneUnknown: rgb(0x5b6573), toneFree: rgb(0x14803c), toneBusy: rgb(0xb3232a),
			toneSoon: rgb(0xf0a500), toneCheckIn: rgb(0x1d5fd1), toneReleased: rgb(0x0f7b6c)},
	},
	HighContrast: {
		background: rgb(0x000000), panel: rgb(0x000000), foreground: rgb(0xffffff), muted: rgb(0xe6e6e6), separator: rgb(0xffffff),
		status: [...]color.NRGBA{toneUnknown: rgb(0x333333), toneFree: rgb(0x00632a), toneBusy: rgb(0x9e0000),
			toneSoon: rgb(0xffd000), toneCheckIn: rgb(0x0040a0), toneReleased: rgb(0x005a50)},
	},
}

var (
	white = rgb(0xffffff)
	ink   = rgb(0x111111)
)

// Theme is the kiosk's fyne.Theme: large type, the status colours of a
// Variant, the operator's accent, and a CJK-capable font when one was
// located.
type Theme struct {
	variant Variant
	pal     palette
	accent  color.Color
	fonts   Fonts
}

// NewTheme returns the theme for s.
func NewTheme(s Settings) *Theme {
	p, ok := palettes[s.Theme]
	if !ok {
		p = palettes[Dark]
	}
	accent := s.Accent
	if accent == nil {
		accent = rgb(0x2f6fed)
		if s.Theme == HighContrast {
			accent = rgb(0xffd000)
		}
	}
	return &Theme{variant: s.Theme, pal: p, accent: accent, fonts: s.Fonts}
}

// StatusColor returns the full-screen colour of status s.
func (t *Theme) StatusColor(s room.Status) color.Color { return t.pal.status[toneOf(s)] }

func (t *Theme) toneColor(tn tone) color.NRGBA { return t.pal.status[tn] }

// OnColor returns the text colour for a background: white or near-black,
// whichever contrasts more.
func OnColor(bg color.Color) color.NRGBA {
	if Contrast(white, bg) >= Contrast(ink, bg) {
		return white
	}
	return ink
}

// fyneVariant is the Fyne variant whose defaults fill the names the
// palette does not set.
func (t *Theme) fyneVariant() fyne.ThemeVariant {
	if t.variant == Light {
		return theme.VariantLight
	}
	return theme.VariantDark
}

// Color implements fyne.Theme.
func (t *Theme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameBackground:
		return t.pal.background
	case theme.ColorNameForeground:
		return t.pal.foreground
	case theme.ColorNamePlaceHolder, theme.ColorNameDisabled:
		return t.pal.muted
	case theme.ColorNameSeparator, theme.ColorNameInputBorder:
		return t.pal.separator
	case theme.ColorNameButton, theme.ColorNameInputBackground, theme.ColorNameMenuBackground, theme.ColorNameOverlayBackground:
		return t.pal.panel
	case theme.ColorNamePrimary, theme.ColorNameFocus:
		return t.accent
	case theme.ColorNameForegroundOnPrimary:
		return OnColor(t.accent)
	case theme.ColorNameSuccess:
		return t.pal.status[toneFree]
	case theme.ColorNameError:
		return t.pal.status[toneBusy]
	case theme.ColorNameWarning:
		return t.pal.status[toneSoon]
	}
	return theme.DefaultTheme().Color(n, t.fyneVariant())
}

// Font implements fyne.Theme: the located CJK font for text, Fyne's own
// for monospace and symbols.
func (t *Theme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Monospace || s.Symbol {
		return theme.DefaultTheme().Font(s)
	}
	if s.Bold && t.fonts.Bold != nil {
		return t.fonts.Bold
	}
	if t.fonts.Regular != nil {
		return t.fonts.Regular
	}
	return theme.DefaultTheme().Font(s)
}

// Icon implements fyne.Theme.
func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size implements fyne.Theme with sizes readable at a distance.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 22
	case theme.SizeNameSubHeadingText:
		return 28
	case theme.SizeNameHeadingText:
		return 36
	case theme.SizeNameCaptionText:
		return 16
	case theme.SizeNamePadding:
		return 8
	case theme.SizeNameInnerPadding:
		return 14
	case theme.SizeNameInputRadius, theme.SizeNameSelectionRadius:
		return 10
	}
	return theme.DefaultTheme().Size(n)
}

// luminance is the WCAG 2 relative luminance of c.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// Contrast returns the WCAG 2 contrast ratio of two opaque colours, from 1
// to 21.
func Contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
