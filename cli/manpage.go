package cli

import (
	"strings"

	"portlight/cmdline"
)

// manSynopsis renders the command table as the man page's SYNOPSIS (roff,
// man macros): one line per form, commands in bold, placeholders in italics.
func manSynopsis() string {
	var b strings.Builder
	for i, c := range cmdline.Commands {
		for j, f := range c.Forms {
			if i+j > 0 {
				b.WriteString(".br\n")
			}
			manForm(&b, c.Name, f)
		}
	}
	return b.String()
}

// manForm writes one form: the literal words, the placeholders, the flags.
func manForm(b *strings.Builder, name string, f cmdline.Form) {
	lit := []string{"portlight"}
	if name != "" {
		lit = append(lit, name)
	}
	words := strings.Fields(f.Operands)
	for len(words) > 0 && strings.ToLower(words[0]) == words[0] && !strings.ContainsAny(words[0], "[") {
		lit = append(lit, words[0])
		words = words[1:]
	}
	b.WriteString(".B " + roff(strings.Join(lit, " ")) + "\n")
	switch rest := strings.Join(words, " "); {
	case rest == "":
	case strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]") && !strings.ContainsAny(rest[1:len(rest)-1], "[] "):
		b.WriteString(".RI [ " + roff(rest[1:len(rest)-1]) + " ]\n")
	default:
		b.WriteString(".I " + roff(rest) + "\n")
	}
	for i := 0; i < len(f.Flags); i++ {
		group := []cmdline.Flag{f.Flags[i]}
		for i+1 < len(f.Flags) && f.Flags[i+1].Alt {
			i++
			group = append(group, f.Flags[i])
		}
		manGroup(b, group)
	}
}

// manGroup writes one bracketed group of flags: [--url URL | --file PATH].
func manGroup(b *strings.Builder, group []cmdline.Flag) {
	open, closing := "[ ", " ]"
	if group[0].Required {
		open, closing = "", ""
	}
	if group[0].Repeat {
		closing += `...\&`
	}
	for k, fl := range group {
		last := k == len(group)-1
		name := `\-\-` + roff(fl.Name)
		if k > 0 {
			b.WriteString("|\n")
		}
		pre := ""
		if k == 0 {
			pre = open
		}
		switch {
		case fl.Arg == "" && last && closing != "":
			macro := ".RB "
			if pre == "" {
				macro = ".BR "
			}
			b.WriteString(macro + pre + name + closing + "\n")
		case pre != "":
			b.WriteString(".RB " + pre + name + "\n")
		default:
			b.WriteString(".B " + name + "\n")
		}
		if fl.Arg == "" {
			continue
		}
		if last && closing != "" {
			b.WriteString(".IR " + roff(fl.Arg) + closing + "\n")
		} else {
			b.WriteString(".I " + roff(fl.Arg) + "\n")
		}
	}
}

// roff escapes text for a roff macro line: a hyphen is \-.
func roff(s string) string { return strings.ReplaceAll(s, "-", `\-`) }
