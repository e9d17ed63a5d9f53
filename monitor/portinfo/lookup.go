package portinfo

import (
	"fmt"
	"sync"

	"portlight/data"
)

var (
	defaultOnce sync.Once
	defaultDB   *DB
	defaultErr  error
)

// Embedded returns the DB built from the data embedded in package data,
// parsing it on first use (about 20 ms; see BenchmarkLoadEmbedded).
func Embedded() (*DB, error) {
	defaultOnce.Do(func() {
		iana, err := data.IANAPorts()
		if err != nil {
			defaultErr = fmt.Errorf("port facts: %w", err)
			return
		}
		defaultDB, defaultErr = NewDB(Sources{
			IANA:            iana,
			RegistryDate:    data.IANAUpdated,
			Wikipedia:       data.Wikipedia(),
			DevServers:      data.DevServers(),
			Attack:          data.AttackPorts(),
			AttackCitations: data.AttackCitations(),
		})
		if defaultErr != nil {
			defaultErr = fmt.Errorf("port facts: %w", defaultErr)
		}
	})
	return defaultDB, defaultErr
}

// Lookup returns what is known of a port for a protocol ("tcp" or "udp";
// "sctp" and "dccp" work too) from Current: the registry stored by
// `portlight update-registry` when there is a usable one, else the embedded
// data (Info.RegistryDate says which registry spoke). The embedded data is
// checked by this package's tests, so it cannot fail to load in a released
// binary; if it ever did, Lookup returns the range alone, with status
// Unassigned (or Dynamic) and no services, and Embedded reports the error.
func Lookup(port uint16, proto string) Info {
	db, err := Current()
	if err != nil {
		st := Unassigned
		if RangeOf(port) == Dynamic {
			st = StatusDynamic
		}
		return Info{Port: port, Proto: NormalizeProto(proto), Range: RangeOf(port), Status: st,
			Services: []Service{}, Unofficial: []Unofficial{}, RegistryDate: data.IANAUpdated}
	}
	return db.Lookup(port, proto)
}
