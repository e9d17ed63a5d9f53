package settingsui

import (
	"context"
	"errors"
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"portlight/monitor/reach"
	"portlight/settings"
)

// netTab is the index of the Networks tab.
const netTab = 3

// netRadio finds the choice of the network row whose name label says name.
func (r *rig) netRadio(name string) *widget.RadioGroup {
	r.t.Helper()
	for _, row := range r.v.netRows.Objects {
		var named bool
		var radio *widget.RadioGroup
		for _, o := range test.LaidOutObjects(row) {
			switch w := o.(type) {
			case *widget.Label:
				named = named || w.Text == name
			case *widget.RadioGroup:
				radio = w
			}
		}
		if named && radio != nil {
			return radio
		}
	}
	r.t.Fatalf("no network row %q among %q", name, r.texts())
	return nil
}

// Marking networks public or trusted in the window writes the settings
// file at once (read back as another process would), a hostile network
// name is shown cleaned and stored as it is, and a change made by another
// process shows up.
func TestNetworksTabWritesTheSettings(t *testing.T) {
	r := newRig(t, nil)
	r.v.tabs.SelectIndex(netTab)
	if r.v.tabs.Selected().Text != "Networks" {
		t.Fatalf("tab %d is %q", netTab, r.v.tabs.Selected().Text)
	}
	for _, want := range []string{publicExplained, "Wi-Fi 'Café'", "Wi-Fi · wlan0", "Ethernet 'Home'", "VPN 'Office' (wg0)",
		"Bridge (VMs and containers) · docker0", noteUnnamed, "Look again"} {
		if !r.hasText(want) {
			t.Errorf("tab lacks %q; has %q", want, r.texts())
		}
	}
	for _, s := range r.texts() {
		if raw(s) {
			t.Errorf("shown: %q", s)
		}
	}
	r.capture("settings-networks.png")

	r.netRadio("Wi-Fi 'Café'").SetSelected(choicePublic)
	r.netRadio("Ethernet 'Home'").SetSelected(choiceTrusted)
	r.netRadio("Wi-Fi 'a b<b>x</b>gnp'").SetSelected(choicePublic)
	got := r.onDisk().Networks
	if !slices.Equal(got.Public, []string{"Café", hostile}) || !slices.Equal(got.Trusted, []string{"u-home"}) || got.UnknownIsPublic {
		t.Fatalf("on disk: %+v", got)
	}
	if !r.hasText("Saved at 21:00:00.") {
		t.Errorf("no saved status: %q", r.texts())
	}
	// Rows were made again from the file: they show what it says.
	if c := r.netRadio("Wi-Fi 'Café'").Selected; c != choicePublic {
		t.Errorf("café shows %q", c)
	}
	// The saved file is a real store write: the policy reads it so.
	if _, marked, ok := r.onDisk().Rules().Networks.PublicNetwork(testNets[:1]); !ok || !marked {
		t.Errorf("the saved rules do not make the café public")
	}
	if _, ok := r.store.OutsideChange(); ok {
		t.Errorf("the window's own write is taken as an outside change")
	}

	r.netRadio("Wi-Fi 'Café'").SetSelected(choiceUndecided)
	if got := r.onDisk().Networks; !slices.Equal(got.Public, []string{hostile}) {
		t.Fatalf("after undeciding the café: %+v", got)
	}
	if r.hasText(noteCountsPublic) {
		t.Errorf("an undecided network counts as public while the switch is off")
	}
	test.Tap(r.v.unknownPublic)
	if !r.onDisk().Networks.UnknownIsPublic || !r.hasText(noteCountsPublic) {
		t.Fatalf("unknown is public: on disk %+v, texts %q", r.onDisk().Networks, r.texts())
	}

	// Another process trusts the café and forgets the hostile Wi-Fi.
	other, err := settings.Open(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Update(func(c *settings.Settings) error {
		c.Networks.Public, c.Networks.Trusted = []string{"Airport"}, []string{"u-cafe"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r.eventually("the other process's networks", func() bool {
		return r.netRadio("Wi-Fi 'Café'").Selected == choiceTrusted && r.hasText("'Airport'")
	})
	if c := r.netRadio("Ethernet 'Home'").Selected; c != choiceUndecided {
		t.Errorf("home shows %q after the other process dropped it", c)
	}
	r.netRadio("'Airport'").SetSelected(choiceUndecided)
	if got := r.onDisk().Networks; got.Public != nil || r.hasText("'Airport'") {
		t.Errorf("the remembered network was not undone: %+v", got)
	}
}

// When the networks cannot be read, the tab says so; the switch still
// works.
func TestNetworksTabSaysWhenItCannotRead(t *testing.T) {
	r := newRig(t, nil, func(o *Options) {
		o.Networks = func(context.Context) ([]reach.Network, error) { return nil, errors.New("netlink: \x1b[31mdenied") }
	})
	r.v.tabs.SelectIndex(netTab)
	if !r.v.netProblem.Visible() || raw(r.v.netProblem.Text) || r.v.netProblem.Text != "Cannot tell which networks this computer is on: netlink: denied" {
		t.Errorf("problem %v %q", r.v.netProblem.Visible(), r.v.netProblem.Text)
	}
	test.Tap(r.v.unknownPublic)
	if !r.onDisk().Networks.UnknownIsPublic {
		t.Error("switch not saved")
	}
}

// The window's default reads this machine's networks for real: the rows
// are those of reach's reading of the kernel (and NetworkManager, when it
// runs).
func TestNetworksTabShowsThisMachine(t *testing.T) {
	r := newRig(t, nil, func(o *Options) { o.Networks = nil })
	r.v.tabs.SelectIndex(netTab)
	r.v.w.Resize(fyne.NewSize(900, 900))
	if r.v.netErr != nil {
		t.Fatalf("reading this machine's networks: %v", r.v.netErr)
	}
	s := reach.System().State()
	if s == nil {
		t.Fatal("reach read no state")
	}
	want := networkRows(s.Networks(), settings.Defaults().Networks)
	if got := rowsText(r.v.shownNets); got != rowsText(want) {
		t.Errorf("rows\n%s\nwant\n%s", got, rowsText(want))
	}
	for _, w := range want {
		if !r.hasText(w.Name) {
			t.Errorf("window lacks %q: %q", w.Name, r.texts())
		}
	}
	t.Logf("this machine's networks:\n%s", rowsText(want))
}
