package keyring

import (
	"errors"
	"os/exec"
)

const (
	hintUnavailable = "The macOS keychain could not be reached through /usr/bin/security; run Roomboard as a logged-in user"
	hintLocked      = "The login keychain is locked and this session cannot show the unlock dialog (SSH or a launchd daemon); " +
		"run `security unlock-keychain ~/Library/Keychains/login.keychain-db` as the user Roomboard runs as, or run it from a logged-in desktop session"
	hintTimeout = "The keychain is probably waiting for someone to answer an unlock or access dialog; answer it at the console, then retry"
)

// classifyOS recognises security(1) failures. go-keyring returns its
// *exec.ExitError unchanged.
func classifyOS(err error) error {
	var exitErr *exec.ExitError
	var execErr *exec.Error
	switch {
	case errors.As(err, &execErr):
		return ErrUnavailable
	case errors.As(err, &exitErr):
		// security(1) exits with 36 when the keychain is locked and the
		// session cannot show a dialog ("User interaction is not
		// allowed"), as reported from CI systems; not verified on a Mac by
		// this project.
		if exitErr.ExitCode() == 36 {
			return ErrLocked
		}
	}
	return nil
}
