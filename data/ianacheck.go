package data

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"portlight/data/internal/ianaxml"
)

// MaxUnassignedLoss is how many (port, protocol) pairs, TCP and UDP over
// 0–49151, a new registry may turn from unassigned to assigned compared with
// the embedded one. IANA assigns a few dozen ports a year; a file that
// assigns a thousand more at once is not an update but a way to switch the
// "unassigned port" alert off. See docs/registry-update.md.
const MaxUnassignedLoss = 1000

// maxDateSkew is how far past today a registry's date may be: a day, for
// time zones. A file dated years ahead would make every later, real update
// look older and be refused.
const maxDateSkew = 24 * time.Hour

// IANAChange is what a registry changes against the embedded one.
type IANAChange struct {
	// Added, Removed and Renamed count named services (a name on a port
	// number and protocol); a port whose one name was replaced by another
	// is renamed, not removed and added.
	Added, Removed, Renamed int
	// Examples of each, a few, in port order: "name 1234/tcp" or, for a
	// rename, "old → new 1234/tcp".
	AddedExamples, RemovedExamples, RenamedExamples []string
	// UnassignedBefore and UnassignedAfter count the (port, protocol)
	// pairs, TCP and UDP over 0–49151, that no named record covers in the
	// embedded registry and in the new one.
	UnassignedBefore, UnassignedAfter int
	// WidestBefore is the widest named range in the embedded registry;
	// Widest the widest in the new one ("name lo-hi"), WidestPorts its
	// width.
	WidestBefore, WidestPorts int
	Widest                    string
}

// exampleCount is how many examples of each kind IANAChange keeps.
const exampleCount = 3

// embedded is the embedded registry's records, read once.
var embedded = sync.OnceValues(func() ([]ianaxml.Record, error) {
	r, err := IANAPorts()
	if err != nil {
		return nil, err
	}
	return readRecords(r)
})

// readRecords reads the compact CSV back into records.
func readRecords(r io.Reader) ([]ianaxml.Record, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = len(ianaxml.Columns)
	if _, err := cr.Read(); err != nil {
		return nil, fmt.Errorf("read embedded IANA registry: %w", err)
	}
	var out []ianaxml.Record
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read embedded IANA registry: %w", err)
		}
		out = append(out, ianaxml.Record{Name: rec[0], Protocol: rec[1], Number: rec[2]})
	}
}

// CompareIANA compares a parsed registry with the embedded one.
func CompareIANA(c *CompactIANA) (IANAChange, error) {
	old, err := embedded()
	if err != nil {
		return IANAChange{}, err
	}
	recs := c.records
	if recs == nil {
		if recs, err = readRecords(bytes.NewReader(c.CSV)); err != nil {
			return IANAChange{}, err
		}
	}
	var ch IANAChange
	ch.UnassignedBefore, ch.WidestBefore, _ = coverage(old)
	ch.UnassignedAfter, ch.WidestPorts, ch.Widest = coverage(recs)
	diffNames(&ch, old, recs)
	return ch, nil
}

// CheckIANA refuses a registry that could only be a forgery or a mistake:
// one dated more than a day after now, one with a named range wider than
// the widest in the embedded registry, or one that assigns more than
// MaxUnassignedLoss more (port, protocol) pairs than the embedded one. It
// returns the comparison either way.
func CheckIANA(c *CompactIANA, now time.Time) (IANAChange, error) {
	date, err := time.Parse(time.DateOnly, c.Updated)
	if err != nil {
		return IANAChange{}, fmt.Errorf("registry date %q is not YYYY-MM-DD: %w", c.Updated, err)
	}
	if date.After(now.Add(maxDateSkew)) {
		return IANAChange{}, fmt.Errorf("registry is dated %s, after today (%s): a file from the future would block every later update",
			c.Updated, now.Format(time.DateOnly))
	}
	ch, err := CompareIANA(c)
	if err != nil {
		return ch, err
	}
	if ch.WidestPorts > ch.WidestBefore {
		return ch, fmt.Errorf("registry names one service on %d ports (%s); no named range in IANA's registry spans more than %d",
			ch.WidestPorts, ch.Widest, ch.WidestBefore)
	}
	if loss := ch.UnassignedBefore - ch.UnassignedAfter; loss > MaxUnassignedLoss {
		return ch, fmt.Errorf("registry assigns %d more port and protocol pairs than the built-in one (at most %d are accepted at once): it would hide unassigned ports",
			loss, MaxUnassignedLoss)
	}
	return ch, nil
}

// coverage counts the TCP and UDP (port, protocol) pairs in 0–49151 that no
// named record covers, and finds the widest named range.
func coverage(recs []ianaxml.Record) (unassigned, widest int, widestName string) {
	var tcp, udp [49152]bool
	for _, r := range recs {
		if r.Name == "" {
			continue
		}
		lo, hi, ok := portRange(r.Number)
		if !ok {
			continue
		}
		if w := hi - lo + 1; w > widest {
			widest, widestName = w, r.Name+" "+r.Number
		}
		for p := lo; p <= hi && p < len(tcp); p++ {
			if r.Protocol == "" || r.Protocol == "tcp" {
				tcp[p] = true
			}
			if r.Protocol == "" || r.Protocol == "udp" {
				udp[p] = true
			}
		}
	}
	for p := range tcp {
		if !tcp[p] {
			unassigned++
		}
		if !udp[p] {
			unassigned++
		}
	}
	return unassigned, widest, widestName
}

// portRange parses "N" or "N-M".
func portRange(s string) (lo, hi int, ok bool) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		b = a
	}
	l, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 16)
	h, err2 := strconv.ParseUint(strings.TrimSpace(b), 10, 16)
	if err1 != nil || err2 != nil || h < l {
		return 0, 0, false
	}
	return int(l), int(h), true
}

// slot is a port number (or range) and protocol as the registry writes it.
type slot struct{ number, proto string }

// diffNames fills the added, removed and renamed counts and examples.
func diffNames(ch *IANAChange, old, recs []ianaxml.Record) {
	names := func(rs []ianaxml.Record) map[slot][]string {
		m := map[slot][]string{}
		for _, r := range rs {
			if r.Name != "" {
				k := slot{r.Number, r.Protocol}
				m[k] = append(m[k], r.Name)
			}
		}
		return m
	}
	before, after := names(old), names(recs)
	slots := make([]slot, 0, len(before)+len(after))
	for k := range before {
		slots = append(slots, k)
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			slots = append(slots, k)
		}
	}
	sort.Slice(slots, func(i, j int) bool {
		li, _, _ := portRange(slots[i].number)
		lj, _, _ := portRange(slots[j].number)
		if li != lj {
			return li < lj
		}
		return slots[i].number+slots[i].proto < slots[j].number+slots[j].proto
	})
	add := func(list *[]string, s string) {
		if len(*list) < exampleCount {
			*list = append(*list, s)
		}
	}
	for _, k := range slots {
		gone, came := minus(before[k], after[k]), minus(after[k], before[k])
		where := k.number
		if k.proto != "" {
			where += "/" + k.proto
		}
		if len(gone) == 1 && len(came) == 1 {
			ch.Renamed++
			add(&ch.RenamedExamples, gone[0]+" → "+came[0]+" "+where)
			continue
		}
		for _, n := range came {
			ch.Added++
			add(&ch.AddedExamples, n+" "+where)
		}
		for _, n := range gone {
			ch.Removed++
			add(&ch.RemovedExamples, n+" "+where)
		}
	}
}

// minus returns the names in a that are not in b.
func minus(a, b []string) []string {
	var out []string
	for _, n := range a {
		found := false
		for _, m := range b {
			found = found || m == n
		}
		if !found {
			out = append(out, n)
		}
	}
	return out
}
