//go:build !linux

package monitor

// engineSockets lists no engine socket: Docker Desktop and Podman machine
// run their engines in a VM on these systems, whose published ports the
// host's own listeners (the VM's forwarder) already show.
func engineSockets() []engineSocket { return nil }

func newEngineChecker() engineSocketChecker { return nil }

func engineReason(err error) string { return err.Error() }

// systemExecutable finds no system executable: conmon, which it vouches
// for, is Linux's.
func systemExecutable(string) bool { return false }
