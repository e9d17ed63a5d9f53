package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// WelcomeTitle is the welcome window's title.
const WelcomeTitle = "Welcome to Portlight"

// Welcome is the first-run window: what Portlight watches, what it does
// not need, where it keeps things, and whether it starts at login.
type Welcome struct {
	w     fyne.Window
	login *widget.Check
	// Text is what the window says, for tests.
	Text string
}

// WelcomeText is the welcome's text. settingsDir and historyPath are ""
// when unknown.
func WelcomeText(settingsDir, historyPath string) string {
	s := "Portlight watches the programs on this computer that listen for connections (its listening ports), " +
		"tells you when one listens where nothing should, and explains every port.\n\n" +
		"It needs no root password and opens no port of its own: it only reads what the system already lists.\n\n"
	if settingsDir != "" {
		s += "Settings: " + settingsDir + "\n"
	}
	if historyPath != "" {
		s += "History: " + historyPath + "\n"
	}
	return s
}

func newWelcome(m *Manager) *Welcome {
	wl := &Welcome{w: m.app.NewWindow(WelcomeTitle)}
	wl.Text = WelcomeText(m.deps.SettingsDir, m.deps.HistoryPath)
	text := widget.NewLabel(wl.Text)
	text.Wrapping = fyne.TextWrapWord
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord
	wl.login = widget.NewCheck("Start Portlight when I log in", nil)
	if m.deps.StartAtLogin != nil {
		wl.login.SetChecked(m.deps.StartAtLogin())
	}
	wl.login.OnChanged = func(on bool) {
		if m.deps.SetStartAtLogin == nil {
			status.SetText("Cannot change this: " + settingsMissing(m.deps.SettingsErr).Error())
			return
		}
		if err := m.deps.SetStartAtLogin(on); err != nil {
			status.SetText("Not changed: " + err.Error())
			return
		}
		if on {
			status.SetText("Portlight will start when you log in.")
		} else {
			status.SetText("Portlight will not start when you log in.")
		}
	}
	if m.deps.StartAtLogin == nil {
		wl.login.Disable()
	}
	open := widget.NewButton("Open Portlight", func() {
		m.OpenListeners()
		wl.w.Close()
	})
	open.Importance = widget.HighImportance
	closeBtn := widget.NewButton("Close", wl.w.Close)
	buttons := container.NewHBox(layout.NewSpacer(), closeBtn, open)
	wl.w.SetContent(container.NewBorder(nil, buttons, nil, nil,
		container.NewVBox(text, wl.login, status)))
	wl.w.Resize(fyne.NewSize(560, 360))
	escCloses(wl.w)
	return wl
}

// Window returns the welcome window.
func (wl *Welcome) Window() fyne.Window { return wl.w }

// Login is the "start at login" switch.
func (wl *Welcome) Login() *widget.Check { return wl.login }
