package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// menuItem is one node of a com.canonical.dbusmenu layout.
type menuItem struct {
	ID       int32
	Label    string
	Visible  bool
	Enabled  bool
	Children []menuItem
}

// layout fetches the item's whole menu. fyne.io/systray answers the first
// GetLayout with depth 1 only (a libdbusmenu-gtk workaround), so ask twice.
func layout(t testing.TB, conn *dbus.Conn, pid int) menuItem {
	t.Helper()
	dest := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", pid)
	v, err := conn.Object(dest, "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem.Menu")
	if err != nil {
		t.Fatalf("Menu property: %v", err)
	}
	path, _ := v.Value().(dbus.ObjectPath)
	var root menuItem
	for range 2 {
		var rev uint32
		var raw []any
		call := conn.Object(dest, path).Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
		if call.Err != nil {
			t.Fatalf("GetLayout: %v", call.Err)
		}
		rev, _ = call.Body[0].(uint32)
		raw, _ = call.Body[1].([]any)
		_ = rev
		root = parseItem(raw)
	}
	return root
}

func parseItem(raw []any) menuItem {
	var m menuItem
	if len(raw) != 3 {
		return m
	}
	m.ID, _ = raw[0].(int32)
	props, _ := raw[1].(map[string]dbus.Variant)
	m.Visible, m.Enabled = true, true
	if p, ok := props["label"]; ok {
		m.Label, _ = p.Value().(string)
	}
	if p, ok := props["visible"]; ok {
		m.Visible, _ = p.Value().(bool)
	}
	if p, ok := props["enabled"]; ok {
		m.Enabled, _ = p.Value().(bool)
	}
	if p, ok := props["type"]; ok && p.Value() == "separator" {
		m.Label = "----"
	}
	children, _ := raw[2].([]dbus.Variant)
	for _, c := range children {
		if sub, ok := c.Value().([]any); ok {
			m.Children = append(m.Children, parseItem(sub))
		}
	}
	return m
}

// render writes the visible menu as indented text.
func (m menuItem) render() string {
	var b strings.Builder
	var walk func(items []menuItem, depth int)
	walk = func(items []menuItem, depth int) {
		for _, c := range items {
			if !c.Visible {
				continue
			}
			mark := ""
			if !c.Enabled {
				mark = " (disabled)"
			}
			if len(c.Children) > 0 {
				mark += "  ▸"
			}
			fmt.Fprintf(&b, "%s%s%s\n", strings.Repeat("    ", depth), c.Label, mark)
			walk(c.Children, depth+1)
		}
	}
	walk(m.Children, 0)
	return b.String()
}

// find returns the first visible item whose label contains s.
func (m menuItem) find(s string) (menuItem, bool) {
	for _, c := range m.Children {
		if !c.Visible {
			continue
		}
		if strings.Contains(c.Label, s) {
			return c, true
		}
		if f, ok := c.find(s); ok {
			return f, true
		}
	}
	return menuItem{}, false
}

// has reports whether a visible item's label satisfies match.
func (m menuItem) has(match func(label string) bool) bool {
	for _, c := range m.Children {
		if c.Visible && (match(c.Label) || c.has(match)) {
			return true
		}
	}
	return false
}

// waitFirstScan waits until the tray's header shows counts: the first scan,
// which is the baseline, is done, and what binds now is news.
func waitFirstScan(t testing.TB, conn *dbus.Conn, pid int) {
	t.Helper()
	var m menuItem
	if !waitFor(10*time.Second, func() bool {
		m = layout(t, conn, pid)
		return len(m.Children) > 0 && strings.HasPrefix(m.Children[0].Label, "Portlight — ")
	}) {
		t.Fatalf("no first scan within 10 s:\n%s", m.render())
	}
}
