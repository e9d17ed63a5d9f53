package data

import (
	"bytes"
	_ "embed"
	"io"
)

//go:embed programs/programs.csv
var programsCSV []byte

// ProgramsChecked is the date the known-programs sources were last checked.
const ProgramsChecked = "2026-12-02"

// Programs returns the curated list of listening ports of common desktop
// and developer programs as CSV (see data/README.md), one checked source
// URL per row; package monitor/knownapps parses it.
func Programs() io.Reader { return bytes.NewReader(programsCSV) }
