package monitor
import ("testing";"context";"os";"runtime/pprof";"fmt")
func BenchmarkZZOwner(b *testing.B) {
	w := buildWorld(b, fullWorld); _ = w
	sc := NewScanner(); defer sc.Close()
	sc.Scan(context.Background())
	owner := startBenchChild(b)
	owner.bind("tcp4 127.0.0.1:0")
	sc.Scan(context.Background())
	f, _ := os.Create("/tmp/owner.prof")
	pprof.StartCPUProfile(f)
	var tot, n int64
	for i := 0; i < 60; i++ {
		steadyMedian(b, sc, 3)
		owner.bind("udp6 [::1]:0")
		tot += int64(scanCPU(b, sc)); n++
	}
	pprof.StopCPUProfile(); f.Close()
	fmt.Println("mean owner-new scan", ms(0)+"", float64(tot)/float64(n)/1e6)
}
