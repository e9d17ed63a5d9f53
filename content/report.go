package content

import "strings"

// Report renders an explanation as plain text, for the clipboard.
func Report(e Explanation) string {
	var b strings.Builder
	b.WriteString(e.Title + "\n")
	b.WriteString(e.Heading + "\n")
	for _, s := range e.Sections {
		b.WriteString("\n" + s.Title + "\n" + strings.Repeat("-", len([]rune(s.Title))) + "\n")
		for _, l := range s.Lines {
			b.WriteString(l + "\n")
		}
		for _, c := range s.Commands {
			b.WriteString("  " + c.OS + ", " + c.Title + ":\n    " + c.Command + "\n")
		}
	}
	return b.String()
}
