package settingsui

import (
	"slices"

	"portlight/monitor/policy"
	"portlight/monitor/reach"
	"portlight/safetext"
)

// The choices a network row offers, as the radio buttons say them.
const (
	choicePublic    = "Public"
	choiceTrusted   = "Trusted"
	choiceUndecided = "Not decided"
)

// networkChoices are the radio buttons of a network row, in order.
var networkChoices = []string{choicePublic, choiceTrusted, choiceUndecided}

// publicExplained is the sentence under the Networks tab's heading.
const publicExplained = "A listener that a network marked public can reach alerts at high severity, as one reachable " +
	"from the whole internet does: mark a café's or a station's Wi-Fi public, and your home's trusted."

// netRow is one network as the Networks tab shows it: one this computer
// is on right now, or one the settings name that it is not on.
type netRow struct {
	// Name is the network for people, cleaned: "Wi-Fi 'Café'".
	Name string
	// Kind says what it is and where: "Wi-Fi · wlan0", "not connected now".
	Kind string
	// Choice is one of networkChoices.
	Choice string
	// Markable is false for a network NetworkManager does not name: the
	// settings know networks by connection name or UUID only.
	Markable bool
	// Note says what the choice means here ("" when nothing to add).
	Note string
	// ids are what the settings may call this network by (its connection
	// name and UUID, or the word the settings hold).
	ids []string
	// trustIDs are what the settings may trust it by (its UUID).
	trustIDs []string
	// publicID and trustedID are what choosing Public or Trusted writes.
	publicID, trustedID string
}

// Notes of a network row.
const (
	noteCountsPublic = "Counts as public: networks not decided on are taken as public."
	noteUnnamed      = "NetworkManager does not name this network, so it cannot be marked."
	noteUnnamedPub   = "NetworkManager does not name this network; it counts as public, as networks not decided on do."
)

// networkRows makes the rows of the Networks tab: the networks this
// computer is on (nets, widest first), then the networks the rules name
// that it is not on now, so a choice made elsewhere can be undone. A
// network's name and interface are chosen by others (an access point, a
// VPN's configuration, another program): they are cleaned here.
func networkRows(nets []reach.Network, nr policy.NetworkRules) []netRow {
	var rows []netRow
	seen := map[string]bool{}
	for _, n := range nets {
		if n.UUID != "" && seen[n.UUID] {
			continue // one connection on two interfaces
		}
		seen[n.UUID] = true
		r := netRow{Name: n.Label(), Kind: reach.KindWord(n.Kind) + " · " + safetext.Line(n.Interface, 32)}
		for _, id := range []string{n.Name, n.UUID} {
			if id != "" {
				r.ids = append(r.ids, id)
			}
		}
		r.Markable = len(r.ids) > 0
		// Public by name: a new profile for the same café is public too.
		// Trusted by UUID: an access point can take any name, "Home"
		// included, but not the profile this computer saved.
		r.publicID, r.trustedID = firstOf(n.Name, n.UUID), n.UUID
		r.trustIDs = []string{n.UUID}
		r.Choice = choiceOf(r.ids, r.trustIDs, nr)
		wide := n.Reach.Rank() >= reach.LocalNetwork.Rank()
		switch {
		case !r.Markable && nr.UnknownIsPublic && wide:
			r.Note = noteUnnamedPub
		case !r.Markable:
			r.Note = noteUnnamed
		case r.Choice == choiceUndecided && nr.UnknownIsPublic && wide:
			r.Note = noteCountsPublic
		}
		rows = append(rows, r)
	}
	current := func(id string) bool {
		return slices.ContainsFunc(rows, func(r netRow) bool { return slices.Contains(r.ids, id) })
	}
	var remembered []string
	for _, id := range slices.Concat(nr.Public, nr.Trusted) {
		if id != "" && !current(id) && !slices.Contains(remembered, id) {
			remembered = append(remembered, id)
		}
	}
	slices.Sort(remembered)
	for _, id := range remembered {
		rows = append(rows, netRow{Name: "'" + safetext.Line(id, 48) + "'", Kind: "not connected now", Markable: true,
			Choice: choiceOf([]string{id}, []string{id}, nr), ids: []string{id}, trustIDs: []string{id}, publicID: id, trustedID: id})
	}
	return rows
}

// firstOf returns the first non-empty string.
func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// choiceOf says what the rules make of a network known by ids, and
// trusted by the words of trustIDs (its UUID: the policy trusts by UUID
// only); Public first, as the policy reads them.
func choiceOf(ids, trustIDs []string, nr policy.NetworkRules) string {
	in := func(ids, list []string) bool {
		return slices.ContainsFunc(ids, func(id string) bool { return id != "" && slices.Contains(list, id) })
	}
	switch {
	case in(ids, nr.Public):
		return choicePublic
	case in(trustIDs, nr.Trusted):
		return choiceTrusted
	}
	return choiceUndecided
}

// setChoice records choice for the network of row r: every word the rules
// had for it goes from both lists, and the chosen list gains one.
func setChoice(nr *policy.NetworkRules, r netRow, choice string) {
	drop := func(list []string) []string {
		out := slices.DeleteFunc(slices.Clone(list), func(s string) bool { return slices.Contains(r.ids, s) })
		if len(out) == 0 {
			return nil
		}
		return out
	}
	nr.Public, nr.Trusted = drop(nr.Public), drop(nr.Trusted)
	switch choice {
	case choicePublic:
		nr.Public = append(nr.Public, r.publicID)
	case choiceTrusted:
		if r.trustedID != "" {
			nr.Trusted = append(nr.Trusted, r.trustedID)
		}
	}
}
