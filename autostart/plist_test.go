package autostart

import (
	"encoding/xml"
	"slices"
	"strings"
	"testing"
)

func TestPlistIsWellFormedAndCarriesTheCommand(t *testing.T) {
	args := []string{"--x=<a&b>", `"q"`}
	data := plist("/Applications/Port Light.app/Contents/MacOS/portlight", args)
	d := xml.NewDecoder(strings.NewReader(string(data)))
	d.Strict = true
	var strs []string
	inString := false
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("plist is not well-formed XML: %v\n%s", err, data)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inString = tok.Name.Local == "string"
		case xml.CharData:
			if inString {
				strs = append(strs, string(tok))
			}
		case xml.EndElement:
			inString = false
		}
	}
	want := []string{AppID, "/Applications/Port Light.app/Contents/MacOS/portlight", "--x=<a&b>", `"q"`, "Aqua", "Interactive"}
	if !slices.Equal(strs, want) {
		t.Fatalf("plist strings %q, want %q", strs, want)
	}
	if !strings.Contains(string(data), "<key>RunAtLoad</key>\n\t<true/>") {
		t.Fatalf("no RunAtLoad:\n%s", data)
	}
}

func TestWindowsCommandLine(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, `"C:\Program Files\Portlight\portlight.exe"`},
		{[]string{"--flag", "a b", ""}, `"C:\Program Files\Portlight\portlight.exe" --flag "a b" ""`},
		{[]string{`say "hi"`}, `"C:\Program Files\Portlight\portlight.exe" "say \"hi\""`},
		{[]string{`C:\dir with space\`}, `"C:\Program Files\Portlight\portlight.exe" "C:\dir with space\\"`},
		{[]string{`a\\"b`}, `"C:\Program Files\Portlight\portlight.exe" "a\\\\\"b"`},
		{[]string{`C:\plain\path`}, `"C:\Program Files\Portlight\portlight.exe" C:\plain\path`},
	}
	for _, tt := range tests {
		if got := commandLine(`C:\Program Files\Portlight\portlight.exe`, tt.args); got != tt.want {
			t.Errorf("commandLine(%q) = %s, want %s", tt.args, got, tt.want)
		}
	}
}
