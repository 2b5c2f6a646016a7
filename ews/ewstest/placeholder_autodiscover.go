package ewstest

import "net/http"

// PLACEHOLDER owned by the autodiscover helper: replace with autodiscover.go
// and delete this file.

func (s *Server) serveAutodiscover(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
