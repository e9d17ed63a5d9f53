// Command genindex writes monitor/portinfo's packed index (ports.idx) from
// the data embedded in package data. `go generate ./monitor/portinfo` runs
// it; TestPackedIndexMatchesSources fails when the index is out of date.
package main

import (
	"fmt"
	"os"

	"portlight/monitor/portinfo"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "genindex:", err)
		os.Exit(1)
	}
}

func run() error {
	src, err := portinfo.EmbeddedSources()
	if err != nil {
		return err
	}
	b, err := portinfo.Pack(src)
	if err != nil {
		return err
	}
	tmp := "ports.idx.tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	if err := os.Rename(tmp, "ports.idx"); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	return nil
}
