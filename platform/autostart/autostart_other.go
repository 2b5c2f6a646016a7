//go:build !windows && !darwin && !linux && !dragonfly && !freebsd && !netbsd && !openbsd

package autostart

func enable(App) error             { return ErrUnsupported }
func disable(string) error         { return ErrUnsupported }
func enabled(string) (bool, error) { return false, ErrUnsupported }
