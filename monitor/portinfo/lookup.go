package portinfo

// Lookup returns what is known of a port for a protocol ("tcp" or "udp").
// TEMPORARY STUB: replaced by the registry-backed implementation.
func Lookup(port uint16, proto string) Info {
	st := Unassigned
	if RangeOf(port) == Dynamic {
		st = StatusDynamic
	}
	return Info{Port: port, Proto: proto, Range: RangeOf(port), Status: st, Services: []Service{}, Unofficial: []Unofficial{}}
}
