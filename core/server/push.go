package server

import (
	"net/http"

	"github.com/roomboard/roomboard/core/hubproto"
)

// postEWSPush hands Exchange's push notifications to Options.PushHandler
// (core/ewssource), which answers SendNotificationResult, checks the
// subscription and asks Exchange to unsubscribe unknown ones. The route is
// public because Exchange sends no credentials of ours; the handler trusts
// nothing in the body beyond "something may have changed". The body is
// capped at maxPushBody by the route table. Exchange is told the URL
// PublicURL() + hubproto.PathEWSPush when it subscribes.
func (s *Server) postEWSPush(w http.ResponseWriter, r *http.Request) {
	if s.o.PushHandler == nil {
		writeError(w, hubproto.ErrorCodeNotFound, "push notifications are not enabled on this hub")
		return
	}
	s.o.PushHandler.ServeHTTP(w, r)
}
