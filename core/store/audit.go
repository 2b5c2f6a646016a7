package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuditEntry is one audited action: a write from a kiosk, an admin change.
type AuditEntry struct {
	// ID is assigned by AppendAudit and increases with every entry.
	ID     int64
	At     time.Time
	Actor  string // who: operator login, device ID, "syncer"
	Action string // what: "booking.end", "device.revoke"
	Target string // on what: a room, booking or device ID
	// Detail is optional JSON. It must never carry secrets or private
	// meeting subjects.
	Detail json.RawMessage
}

// AuditQuery selects audit entries; zero fields do not filter.
type AuditQuery struct {
	Since, Until time.Time // At in [Since, Until)
	Actor        string
	Target       string
	// BeforeID pages backwards: only entries with a smaller ID.
	BeforeID int64
	// Limit caps the result; zero means 100.
	Limit int
}

// AppendAudit stores e and returns its ID. A zero At is the store's clock.
func (db *DB) AppendAudit(ctx context.Context, e AuditEntry) (int64, error) {
	if e.Action == "" {
		return 0, fmt.Errorf("append audit: %w: empty action", ErrInvalid)
	}
	var detail *string
	if len(e.Detail) > 0 {
		if !json.Valid(e.Detail) {
			return 0, fmt.Errorf("append audit %s: %w: detail is not JSON", e.Action, ErrInvalid)
		}
		s := string(e.Detail)
		detail = &s
	}
	if e.At.IsZero() {
		e.At = db.now()
	}
	var id int64
	err := db.sql.QueryRowContext(ctx, `INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		micros(e.At), e.Actor, e.Action, e.Target, detail).Scan(&id)
	return id, db.wrap("append audit "+e.Action, err)
}

// ListAudit returns the entries q selects, newest first.
func (db *DB) ListAudit(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if !q.Since.IsZero() {
		add("at >= ?", micros(q.Since))
	}
	if !q.Until.IsZero() {
		add("at < ?", micros(q.Until))
	}
	if q.Actor != "" {
		add("actor = ?", q.Actor)
	}
	if q.Target != "" {
		add("target = ?", q.Target)
	}
	if q.BeforeID > 0 {
		add("id < ?", q.BeforeID)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	query := `SELECT id, at, actor, action, target, detail FROM audit_log`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	query += " ORDER BY id DESC LIMIT $" + strconv.Itoa(len(args))
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, db.wrap("list audit", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		var detail *string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &detail); err != nil {
			return nil, db.wrap("list audit", err)
		}
		e.At = fromMicros(at)
		if detail != nil {
			e.Detail = json.RawMessage(*detail)
		}
		out = append(out, e)
	}
	return out, db.wrap("list audit", rows.Err())
}
