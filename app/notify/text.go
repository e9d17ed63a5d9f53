package notify

import "strings"

// Markup escapes text for the body of a freedesktop notification, whose
// servers may interpret a subset of HTML: &, < and > become entities, so a
// process named "<b>x</b>" or "<a href=...>" shows literally.
func Markup(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
