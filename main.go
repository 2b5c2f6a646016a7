// Command roomboard shows and books Microsoft Exchange meeting rooms on
// screens beside the rooms. One binary holds every role; the first argument
// picks it.
//
// This build carries the foundation: the Exchange simulator and a demo that
// walks through it with the real EWS client. The admin console, kiosk and
// hub arrive with later subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes. Scripts can tell usage mistakes from runtime failures.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// command is one subcommand. run gets the arguments after the subcommand's
// name and returns an error; a usageError exits with exitUsage.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a command may touch; tests swap the writers.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// commands lists the subcommands in the order `roomboard -h` prints them.
// A subcommand is listed only once it works.
var commands = []command{
	{"config", "edit integrations and their scope; secrets go into the OS keyring", runConfig},
	{"demo", "start the Exchange simulator and walk through it with the EWS client", runDemo},
	{"export", "export room calendars from the cache as iCalendar or CSV", runExport},
	{"kiosk", "the full-screen room player or floor player, fed by a hub (or -standalone)", runKiosk},
	{"serve", "run the hub: sync from Exchange and serve kiosks over HTTPS/WebSocket; install it as a service", runServe},
	{"simulate", "run the Exchange (EWS) simulator", runSimulate},
	{"sync", "sync the integrations' rooms and bookings from Exchange into the local cache", runSync},
	{"version", "print the version", runVersion},
}

// version is set at link time (-ldflags "-X main.version=...").
var version = "0.1.0-dev"

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(e.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		var ue usageError
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(e.stderr, "roomboard %s: %v\nRun 'roomboard %s -h' for usage.\n", c.name, err, c.name)
			return exitUsage
		case errors.Is(err, context.Canceled) && ctx.Err() != nil:
			return exitOK
		default:
			fmt.Fprintf(e.stderr, "roomboard %s: %v\n", c.name, err)
			return exitFailure
		}
	}
	fmt.Fprintf(e.stderr, "roomboard: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "Roomboard %s: Exchange meeting rooms on the screens beside them.\n\nUsage:\n  roomboard <command> [flags]\n\nCommands:\n", version)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'roomboard <command> -h' for a command's flags and examples.\n")
}

// newFlagSet returns a FlagSet that reports errors instead of exiting and
// prints usage with examples on -h.
func newFlagSet(e *env, name, synopsis, examples string) *flag.FlagSet {
	fs := flag.NewFlagSet("roomboard "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: roomboard %s [flags]\n\n%s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
		if examples != "" {
			fmt.Fprintf(e.stderr, "\nExamples:\n%s\n", examples)
		}
	}
	return fs
}

// parseFlags parses args and turns a parse failure into a usageError.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "version", "Print Roomboard's version.", "  roomboard version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "roomboard %s\n", version)
	return nil
}
