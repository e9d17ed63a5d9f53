package policy

import (
	"os"
	"sync"
	"time"

	"portlight/monitor"
	"portlight/monitor/knownapps"
	"portlight/provenance"
)

var (
	resolverMu sync.Mutex
	resolver   *provenance.Resolver // made on first use
)

// SystemOrigin says where a process's program came from, through one
// resolver shared by the whole process (its caches are per file identity, so
// every surface that judges, the resident, the windows and the CLI, pays
// for a program's first lookup once). A hidden owner has no origin.
func SystemOrigin(p monitor.Process) provenance.Origin {
	if p.PID == 0 && p.Exe == "" {
		return provenance.Origin{}
	}
	resolverMu.Lock()
	if resolver == nil {
		resolver = provenance.NewResolver(provenance.Options{})
	}
	r := resolver
	resolverMu.Unlock()
	return r.Lookup(p.PID, p.Exe, p.Identity.Dev, p.Identity.Inode)
}

// ReleaseCaches drops what SystemOrigin's resolver has not used for a
// while (see provenance.Resolver.Release): for a long-running process that
// judges rarely. Nothing happens before the first SystemOrigin. It
// reports whether the package index was dropped.
func ReleaseCaches(now time.Time) bool {
	resolverMu.Lock()
	r := resolver
	resolverMu.Unlock()
	return r != nil && r.Release(now)
}

// KnownExpected reports the knowledge file's documented use of the
// listener's port by its program, recognised by executable path, package or
// app id (never by the name a process gives itself), with the use's purpose
// in plain words.
func KnownExpected(l monitor.Listener, o provenance.Origin) (string, bool) {
	if l.OwnerHidden || l.Exe == "" {
		return "", false
	}
	home, _ := os.UserHomeDir()
	u, ok := knownapps.Expects(knownapps.Program{
		Exe: l.Exe, Package: o.Package, AppID: o.AppID, Home: home,
	}, l.Port, string(l.Proto))
	if !ok {
		return "", false
	}
	return u.Purpose, true
}
