package ewstest

import (
	"fmt"
	"strings"
)

// AddGroup adds a distribution group; m.Address is required and m.Members
// name existing mailboxes, which may be groups themselves (nested groups).
// Nesting is not checked for cycles: Exchange allows a group to contain,
// through others, itself, and clients must cope.
func (s *Server) AddGroup(m Mailbox) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	addr := s.org.normalize(m.Address)
	if addr == "" || !strings.Contains(addr, "@") {
		return fmt.Errorf("%w: group address %q", ErrInvalid, m.Address)
	}
	if s.org.mailboxes[addr] != nil {
		return fmt.Errorf("%w: %s exists", ErrInvalid, addr)
	}
	members, err := s.org.memberAddresses(m.Members)
	if err != nil {
		return err
	}
	s.org.addMailbox(&mailbox{kind: KindGroup, address: addr, name: firstNonEmpty(m.Name, addr), members: members})
	return nil
}

// SetGroupMembers replaces the members of a distribution group, as an
// administrator would in the directory; members may be groups, including
// ones that contain this group.
func (s *Server) SetGroupMembers(group string, members []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.org.lookup(group)
	if g == nil || g.kind != KindGroup {
		return fmt.Errorf("%w: group %s", ErrNotFound, group)
	}
	ms, err := s.org.memberAddresses(members)
	if err != nil {
		return err
	}
	g.members = ms
	return nil
}

// memberAddresses normalizes member addresses, which must all exist.
// Callers hold s.mu.
func (o *org) memberAddresses(members []string) ([]string, error) {
	out := make([]string, 0, len(members))
	for _, a := range members {
		m := o.lookup(a)
		if m == nil {
			return nil, fmt.Errorf("%w: member %s", ErrNotFound, a)
		}
		out = append(out, m.address)
	}
	return out, nil
}
