package policy

import "portlight/provenance"

// OriginReasons says where a program came from in the very words of the
// verdict's reasons: its package or bundle ("shipped by package x 1.2
// (dpkg)", "Flatpak app org.x 1.2", "not from any package"), then its
// container. The surfaces that show the origin beside the reasons use it,
// so that a fact has one wording and can be told apart from the reasons
// that decided.
func OriginReasons(o provenance.Origin) []string { return provenanceReasons(o) }
