//go:build !linux

package reach

import (
	"context"
	"errors"
)

// errNoNM: NetworkManager runs on Linux only.
var errNoNM = errors.New("NetworkManager is not running")

// nmSignal stands for a signal; none arrive here.
type nmSignal = struct{}

// nmClient has no implementation here.
type nmClient struct{}

func dialNM(string) (*nmClient, error)                           { return nil, errNoNM }
func (*nmClient) close()                                         {}
func (*nmClient) wake() <-chan *nmSignal                         { return nil }
func (*nmClient) heard(*nmSignal) bool                           { return false }
func (*nmClient) connected() bool                                { return false }
func (*nmClient) conns(context.Context) (map[string]Conn, error) { return nil, errNoNM }
