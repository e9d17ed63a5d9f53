package ui

import (
	"context"
	"time"

	"portlight/content"
	"portlight/history"
	"portlight/monitor"
)

// storeHistory shows the history store's owners of a port in the explainer.
type storeHistory struct{ s *history.Store }

// PastOwners implements views.History.
func (h storeHistory) PastOwners(port uint16, proto monitor.Proto) ([]content.PastOwner, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	owners, err := h.s.Owners(ctx, port, proto)
	if err != nil {
		return nil, err
	}
	out := make([]content.PastOwner, 0, len(owners))
	for _, o := range owners {
		out = append(out, content.PastOwner{Process: monitor.Process{Exe: o.Exe}, FirstSeen: o.FirstSeen,
			LastSeen: o.LastSeen, Sessions: o.Sessions, Held: o.Held})
	}
	return out, nil
}
