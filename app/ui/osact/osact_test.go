package osact

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v3/process"

	"portlight/monitor"
)

// facts reads a running process's facts the way the monitor does.
func facts(t *testing.T, pid int) monitor.Process {
	t.Helper()
	gp, err := process.NewProcess(int32(pid))
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := gp.Exe()
	ms, err := gp.CreateTime()
	if err != nil {
		t.Fatal(err)
	}
	return monitor.Process{PID: int32(pid), Exe: exe, Name: "sleep", StartTime: time.UnixMilli(ms)}
}

func startSleep(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sleep: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	time.Sleep(50 * time.Millisecond) // let exec replace the forked image
	return cmd
}

func TestTerminateSendsSIGTERM(t *testing.T) {
	cmd := startSleep(t)
	p := facts(t, cmd.Process.Pid)
	if err := Terminate(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("sleep did not exit by a signal: %v", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("sleep ended with %v, want SIGTERM", ee)
	}
}

func TestTerminateRefusesAnotherProcess(t *testing.T) {
	cmd := startSleep(t)
	tests := map[string]func(p *monitor.Process){
		"other exe":        func(p *monitor.Process) { p.Exe = "/usr/bin/python3" },
		"other start time": func(p *monitor.Process) { p.StartTime = p.StartTime.Add(-time.Hour) },
	}
	for name, change := range tests {
		p := facts(t, cmd.Process.Pid)
		change(&p)
		if err := Terminate(context.Background(), p); !errors.Is(err, ErrNotSameProcess) {
			t.Errorf("%s: err = %v, want ErrNotSameProcess", name, err)
		}
	}
	if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("sleep was ended anyway: %v", err)
	}
	if err := Terminate(context.Background(), monitor.Process{PID: 0}); err == nil {
		t.Error("pid 0 accepted")
	}
}

// TestRevealRunsOpenerWithoutShell puts a recording xdg-open first in PATH and
// checks it gets the folder as one argument, shell characters and all.
func TestRevealRunsOpenerWithoutShell(t *testing.T) {
	bin := t.TempDir()
	record := filepath.Join(bin, "args")
	script := "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$1\" > " + record + "\n"
	if err := os.WriteFile(filepath.Join(bin, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	dir := filepath.Join(t.TempDir(), "a dir; touch pwned $(id)")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Reveal(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "1\n"+dir+"\n"; got != want {
		t.Errorf("xdg-open got %q, want %q", got, want)
	}
	if _, err := os.Stat("pwned"); err == nil {
		t.Error("a shell ran the folder name")
	}
	if err := Reveal(filepath.Join(dir, "missing")); err == nil {
		t.Error("Reveal of a missing folder succeeded")
	}
	if err := Reveal(record); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Errorf("Reveal of a file: %v", err)
	}
}

// A program run from a hostile path: Verify accepts the process described
// with that real path, and its refusal for another path quotes the path
// cleaned, as it is shown in a dialog.
func TestVerifyHostilePath(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatalf("this test copies sleep (coreutils): %v", err)
	}
	src, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "a\nb\x1b[2J\u202e")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "sleep")
	if err := os.WriteFile(exe, src, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	time.Sleep(50 * time.Millisecond)
	p := facts(t, cmd.Process.Pid)
	if p.Exe != exe {
		t.Fatalf("process runs %q, want %q", p.Exe, exe)
	}
	if err := Verify(context.Background(), p); err != nil {
		t.Errorf("Verify of the process at its real path: %v", err)
	}
	p.Exe = "/usr/bin/other"
	err = Verify(context.Background(), p)
	if !errors.Is(err, ErrNotSameProcess) {
		t.Fatalf("Verify of another program: %v", err)
	}
	if msg := err.Error(); strings.ContainsAny(msg, "\n\x1b\u202e") || !strings.Contains(msg, "a b") {
		t.Errorf("error quotes the path raw: %q", msg)
	}
	if err := Reveal(filepath.Join(dir, "missing")); err == nil || strings.ContainsAny(err.Error(), "\n\x1b\u202e") {
		t.Errorf("Reveal's error quotes the folder raw: %v", err)
	}
}
