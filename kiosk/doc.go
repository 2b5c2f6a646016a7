// Package kiosk is Roomboard's wall display: the room player, which shows
// one room's status, meeting, agenda and day timeline and lets people book,
// extend, end and check in; and the floor player, which shows up to 40
// rooms a page with their live status, details and the nearest free room.
//
// The package renders values. It reads state from a Hub (a narrow
// interface over core/hubclient, declared here so tests use a fake), keeps
// status and clock moving from the last data it received when the hub is
// away, and sends actions back through the same Hub. It deliberately does
// no networking, no caching and no syncing of its own, never opens the
// application (only package main imports fyne.io/fyne/v2/app), and never
// decides whether an action is allowed beyond hiding buttons that cannot
// succeed: the hub's answer is what the screen reports.
//
// Threading: hub callbacks and clock ticks arrive on other goroutines;
// bridge.go is the only place that hands them to the UI goroutine.
package kiosk
