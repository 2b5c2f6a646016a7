package keyring

import (
	"errors"
	"syscall"
)

const (
	hintUnavailable = "Windows Credential Manager is not available to this account. " +
		"Run the Roomboard service under a user account (not LocalService or NetworkService) whose profile is loaded, " +
		"or run the hub in an interactive session"
	hintLocked  = "Windows refused access to Credential Manager; sign in interactively once as the account Roomboard runs as"
	hintTimeout = "Credential Manager did not answer; check that the account Roomboard runs as can sign in, then retry"
)

// errNoSuchLogonSession is ERROR_NO_SUCH_LOGON_SESSION (1312), which
// CredWrite and CredRead return to a service whose account has no loaded
// profile.
const errNoSuchLogonSession = syscall.Errno(1312)

// errAccessDenied is ERROR_ACCESS_DENIED.
const errAccessDenied = syscall.Errno(5)

func classifyOS(err error) error {
	switch {
	case errors.Is(err, errNoSuchLogonSession):
		return ErrUnavailable
	case errors.Is(err, errAccessDenied):
		return ErrLocked
	}
	return nil
}
