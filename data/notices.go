package data

// Source labels and attributions, for the app's About text and for each
// fact it shows.
const (
	// WikipediaRevision is the revision of the Wikipedia article used.
	WikipediaRevision = "952066257"
	// WikipediaURL is the permanent link to that revision.
	WikipediaURL = "https://en.wikipedia.org/w/index.php?title=List_of_TCP_and_UDP_port_numbers&oldid=952066257"
	// WikipediaAttribution is the attribution CC BY-SA 3.0 requires.
	WikipediaAttribution = "Wikipedia contributors, List of TCP and UDP port numbers, revision 952066257, CC BY-SA 3.0 (https://creativecommons.org/licenses/by-sa/3.0/)"

	// AttackVersion is the ATT&CK release the ATT&CK data comes from.
	AttackVersion = "v18.1"
	// AttackDate is that release's date.
	AttackDate = "2025-11-13"
	// AttackCopyright is MITRE's copyright designation, which must be
	// reproduced with the data.
	AttackCopyright = "© 2025 The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE Corporation."
	// AttackTrademark is MITRE's trademark notice; Portlight is not endorsed by MITRE.
	AttackTrademark = "MITRE ATT&CK® and ATT&CK® are registered trademarks of The MITRE Corporation. Portlight is not affiliated with or endorsed by MITRE."

	// IANAURL is where the registry is published.
	IANAURL = "https://www.iana.org/assignments/service-names-port-numbers/"
	// IANALicense states the registry's licence.
	IANALicense = "IANA protocol registries are dedicated to the public domain under CC0 1.0 (IANA/IETF Trust statement, 10 November 2021)."

	// DevServersChecked is when the curated dev-server sources were checked.
	DevServersChecked = "2026-11-25"
)

// Notices returns the attribution and licence lines for every embedded data
// source, in the order an About box would show them.
func Notices() []string {
	return []string{
		"IANA Service Name and Transport Protocol Port Number Registry, updated " + IANAUpdated + ". " + IANALicense,
		WikipediaAttribution + ". Community-reported, as of 2020.",
		"MITRE ATT&CK® " + AttackVersion + " (" + AttackDate + "). " + AttackCopyright + " " + AttackTrademark,
		"Development-server defaults: compiled by the Portlight authors, sources checked " + DevServersChecked + ".",
		"Ports of common desktop and developer programs: compiled by the Portlight authors from each program's documentation, sources checked " + ProgramsChecked + "; each row names its source.",
	}
}
