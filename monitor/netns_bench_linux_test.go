//go:build linux

package monitor

import (
	"fmt"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// BenchmarkScanNamespaces prints the CPU of one steady scan with 1, 10 and
// 50 other network namespaces (one child each, two listeners), next to a
// scan of the host's namespace alone: reading the namespaces through kept
// netlink sockets (root) every scan and round robin (the default,
// nlPerScan a scan), through /proc/PID/net every scan, and through
// /proc/PID/net within the default budget (the mean: most scans read
// nothing); and what a scan that meets the namespaces for the first time
// costs (discovery, setns, attribution).
func BenchmarkScanNamespaces(b *testing.B) {
	testrig.RequireRoot(b, "to create network namespaces")
	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("ns=%d", n), func(b *testing.B) {
			for i := 0; i < n; i++ {
				startNSChild(b, "tcp4 0.0.0.0:0", "udp4 0.0.0.0:0")
			}
			const scans = 41
			hostOnly := NewScanner(WithNamespaces(false))
			defer hostOnly.Close()
			first := func(root bool, nlPer, perScan, minEvery int) (*Scanner, time.Duration) {
				sc := NewScanner()
				tr := sc.ns.(*nsTracker)
				tr.root, tr.nlPerScan, tr.perScan, tr.minEvery = root, nlPer, perScan, minEvery
				t0 := cpuNow()
				if _, err := sc.Scan(b.Context()); err != nil {
					b.Fatal(err)
				}
				return sc, cpuNow() - t0
			}
			nlAll, _ := first(true, 1<<20, procnetPerScan, procnetMinEvery)
			defer nlAll.Close()
			nl, nlFirst := first(true, nlPerScan, procnetPerScan, procnetMinEvery)
			defer nl.Close()
			pn, pnFirst := first(false, nlPerScan, 1<<20, 1)
			defer pn.Close()
			pb, _ := first(false, nlPerScan, procnetPerScan, procnetMinEvery)
			defer pb.Close()
			// Past the first reads of every namespace and the attribution
			// walks their new inodes start.
			for range procnetMinEvery*n + 10 {
				scanCPU(b, pb)
			}
			for range b.N {
				host := steadyMedian(b, hostOnly, scans)
				nla := steadyMedian(b, nlAll, scans)
				nlMean := steadyMean(b, nl, scans)
				nlm := steadyMedian(b, nl, scans)
				pnm := steadyMedian(b, pn, scans)
				pbm := steadyMean(b, pb, scans)
				b.Logf("%d namespaces: host only %s; +netlink (setns once, socket kept) every scan %s, %d a scan %s (median; mean %s); "+
					"+/proc/PID/net every scan %s; +/proc/PID/net, %d a scan, each at most every %d scans %s (mean); "+
					"first scan: netlink %s, /proc/PID/net %s",
					n, ms(host), ms(nla), nlPerScan, ms(nlm), ms(nlMean), ms(pnm), procnetPerScan, procnetMinEvery, ms(pbm),
					ms(nlFirst), ms(pnFirst))
			}
		})
	}
}

func steadyMean(b *testing.B, sc *Scanner, n int) time.Duration {
	var sum time.Duration
	for range n {
		sum += scanCPU(b, sc)
	}
	return sum / time.Duration(n)
}
