// Package corestart opens what every Portlight process that judges
// listeners needs, and wires it together the same way for each of them: the
// tray app, the window process, `portlight watch` and `portlight scan`.
//
// That is the user's settings (the allow-list and triggers, whose policy
// asks provenance where each program came from) and, when asked for, the
// history: the record of events, and of who usually holds each port, which
// the policy's owner_change trigger asks.
//
// # Degraded mode
//
// Start-up never fails for want of either; each thing it cannot have
// becomes one warning in Core.Warnings, which names the file or folder and
// the error, and says what Portlight does instead:
//
//   - The state folder cannot be found or created: no settings store
//     (Core.Settings is nil). Listeners are judged with the built-in default
//     settings and nothing is saved.
//   - The settings file is damaged, unreadable or from a newer Portlight:
//     the store runs on the defaults (a damaged file is kept as a backup, an
//     unreadable one is never written over). The warning is the store's
//     Problem, which the tray and the settings window show too.
//   - The history cannot be opened (its folder or file is unreadable): no
//     history (Core.History is nil). Nothing is recorded, past owners are
//     not shown, and the owner_change trigger cannot fire.
//   - The history is recorded by another Portlight process (or the recorder
//     cannot start): Core.Recorder is nil, but the history is still read, so
//     past owners are shown and owner_change still fires.
//
// A history file SQLite cannot read at all is moved aside and a new one
// started; package history logs that itself (Store.Problem).
package corestart

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"portlight/history"
	"portlight/internal/statedir"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/settings"
)

// HistoryUse says what a process does with the history.
type HistoryUse int

const (
	// NoHistory opens no history (`portlight scan`, `watch --no-history`).
	NoHistory HistoryUse = iota
	// ReadHistory opens the history to read it: past owners, searches, and
	// the usual owners the policy asks (the window process).
	ReadHistory
	// RecordHistory opens the history and starts its recorder (the tray
	// app, `portlight watch`).
	RecordHistory
)

// Options configure Open. The zero value opens the default settings and no
// history.
type Options struct {
	// Settings is an already open store to use; nil opens the settings in
	// the state folder (SettingsDir, else statedir.Dir).
	Settings *settings.Store
	// SettingsDir is the folder whose settings to open; "" is the state
	// folder.
	SettingsDir string
	// History says whether to open the history, and to record into it.
	History HistoryUse
	// HistoryPath is the history database; "" is the state folder's.
	HistoryPath string
	// Recorder tunes the recorder (the zero value in Portlight; tests delay
	// its start-up purge).
	Recorder history.RecorderOptions
	// Log receives the history's own log (a damaged file moved aside, purge
	// errors); slog.Default when nil.
	Log *slog.Logger
}

// Core is what Open could open: each part is nil when it could not be
// had, and Warnings say why.
type Core struct {
	// Settings is the settings store; nil when the state folder cannot be
	// had (judge with policy.Default).
	Settings *settings.Store
	// SettingsErr is why Settings is nil.
	SettingsErr error
	// History is the history store; nil when not asked for or unopenable.
	History *history.Store
	// Recorder records into History; nil when not asked for, or when it
	// could not start (another Portlight records).
	Recorder *history.Recorder
	// Warnings are what start-up could not have, one error each, worded for
	// a person: the entry point logs or prints each once.
	Warnings []error

	// wired: Open gave the settings' policy the history's usual owners.
	wired bool
}

// Open opens the settings and, as opts.History asks, the history, gives
// the settings' policy the history's usual owners, and starts the
// recorder. It never fails: see the package's degraded mode. ctx bounds
// the recorder's life (pass context.WithoutCancel to flush on Close
// rather than on cancel).
func Open(ctx context.Context, opts Options) *Core {
	c := &Core{Settings: opts.Settings}
	if c.Settings == nil {
		c.openSettings(opts.SettingsDir)
	}
	if opts.History != NoHistory {
		c.openHistory(ctx, opts)
	}
	return c
}

// openSettings opens the settings in dir ("": the state folder).
func (c *Core) openSettings(dir string) {
	var err error
	if dir == "" {
		dir, err = statedir.Dir()
	}
	if err == nil {
		c.Settings, err = settings.Open(dir)
	}
	if err != nil {
		c.SettingsErr = err
		c.warn(fmt.Errorf("no settings in %s (%w): judging with the default settings, nothing is saved", dir, err))
		return
	}
	if p := c.Settings.Problem(); p != "" {
		c.warn(errors.New(p))
	}
}

// openHistory opens the history and, for RecordHistory, its recorder.
func (c *Core) openHistory(ctx context.Context, opts Options) {
	path := opts.HistoryPath
	if path == "" {
		p, err := history.DefaultPath()
		if err != nil {
			c.warn(fmt.Errorf("no history (%w): past owners are not shown and owner_change cannot fire", err))
			return
		}
		path = p
	}
	st, err := history.Open(ctx, history.Options{Path: path, Logger: opts.Log})
	if err != nil {
		c.warn(fmt.Errorf("no history at %s (%w): past owners are not shown and owner_change cannot fire", path, err))
		return
	}
	c.History = st
	if c.Settings != nil {
		c.Settings.SetUsualOwners(st)
		c.wired = true
	}
	if opts.History != RecordHistory {
		return
	}
	rec, err := history.StartRecorder(ctx, st, opts.Recorder)
	if err != nil {
		c.warn(fmt.Errorf("not recording history (%w); it is still read", err))
		return
	}
	c.Recorder = rec
}

func (c *Core) warn(err error) { c.Warnings = append(c.Warnings, err) }

// Policy returns the policy in force: the settings', or the built-in
// defaults without a settings store.
func (c *Core) Policy() *policy.Policy {
	if c.Settings == nil {
		return policy.Default()
	}
	return c.Settings.Policy()
}

// Assess judges one listener under Policy.
func (c *Core) Assess(l monitor.Listener) policy.Assessment { return c.Policy().Assess(l) }

// Close takes the history away from the policy, flushes and stops the
// recorder, and closes the history. The settings store needs no closing.
func (c *Core) Close() error {
	if c == nil {
		return nil
	}
	if c.wired {
		c.Settings.SetUsualOwners(nil)
		c.wired = false
	}
	var errs []error
	if c.Recorder != nil {
		if err := c.Recorder.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close history recorder: %w", err))
		}
		c.Recorder = nil
	}
	if c.History != nil {
		if err := c.History.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close history: %w", err))
		}
		c.History = nil
	}
	return errors.Join(errs...)
}
