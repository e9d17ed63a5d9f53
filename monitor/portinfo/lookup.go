package portinfo

import (
	_ "embed"
	"fmt"
	"sync"

	"portlight/data"
)

//go:generate go run ./internal/genindex

// packedIndex is the embedded data packed by Pack (`go generate`; checked by
// TestPackedIndexMatchesSources).
//
//go:embed ports.idx
var packedIndex string

var (
	defaultOnce sync.Once
	defaultDB   *DB
	defaultErr  error
)

// Embedded returns the DB of the data embedded in package data, read from
// the packed index: opening it reads a header, and each lookup reads only
// the rows of its port (see BenchmarkLoadEmbedded).
func Embedded() (*DB, error) {
	defaultOnce.Do(func() {
		defaultDB, defaultErr = NewPacked(packedIndex)
		if defaultErr != nil {
			defaultErr = fmt.Errorf("port facts: %w", defaultErr)
		}
	})
	return defaultDB, defaultErr
}

// EmbeddedSources returns readers of the data embedded in package data, from
// which Pack builds the packed index.
func EmbeddedSources() (Sources, error) {
	iana, err := data.IANAPorts()
	if err != nil {
		return Sources{}, fmt.Errorf("port facts: %w", err)
	}
	return Sources{
		IANA:            iana,
		RegistryDate:    data.IANAUpdated,
		Wikipedia:       data.Wikipedia(),
		DevServers:      data.DevServers(),
		Attack:          data.AttackPorts(),
		AttackCitations: data.AttackCitations(),
	}, nil
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
