//go:build !windows && !darwin && !((dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd)

package keyring

const (
	hintUnavailable = "go-keyring has no credential store for this operating system (the BSDs need a cgo build for the Secret Service); run the hub on Windows, macOS or Linux"
	hintLocked      = ""
	hintTimeout     = ""
)

// classifyOS has nothing to add: go-keyring's fallback provider returns
// ErrUnsupportedPlatform, which classify already maps to ErrUnavailable.
func classifyOS(error) error { return nil }
