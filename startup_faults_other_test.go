//go:build !unix

package main

import "os"

// minorFaults is -1 where the system does not count a process's page
// faults as Unix's getrusage does.
func minorFaults(*os.ProcessState) int64 { return -1 }
