// Package rawsys (Linux) makes the resident's steady per-tick system calls raw,
// without telling the Go scheduler.
//
// An ordinary system call (syscall.Syscall) made while the runtime's
// monitor thread, sysmon, sleeps with every processor idle wakes that
// thread, and a sysmon woken so polls every 20 µs for as long as the
// goroutine runs, up to fifty times: on a virtual machine, where a context
// switch costs tens of µs, that was most of the idle resident's CPU and
// wake-ups (docs/binaries.md). A raw call leaves sysmon asleep.
//
// The cost is that the calling goroutine keeps its processor during the
// call, so only calls that return at once belong here: reads of small
// in-memory /proc files, netlink requests whose replies the kernel queues
// as it is asked, a stat, a non-blocking read.
package rawsys
