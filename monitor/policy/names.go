package policy

import (
	"path"
	"path/filepath"
	"slices"
	"strings"

	"portlight/monitor"
	"portlight/provenance"
	"portlight/safetext"
)

// kernelThreadPrefixes begin the names of the kernel's own threads. A
// kernel thread owns no executable, so a process that has one and calls
// itself like this is hiding among them in a process list.
var kernelThreadPrefixes = []string{
	"kworker/", "kthreadd", "ksoftirqd/", "migration/", "rcu_", "watchdog/", "watchdogd",
	"kswapd", "khugepaged", "kcompactd", "kdevtmpfs", "kauditd", "ksmd", "kblockd",
	"kintegrityd", "jbd2/", "irq/", "cpuhp/", "idle_inject/", "oom_reaper", "khungtaskd",
	"kthrotld", "scsi_eh_", "ipv6_addrconf", "mm_percpu_wq", "kpsmoused", "pool_workqueue",
}

// daemon is what a system service's own executable looks like: its file
// names besides the service's name, and words one of its packages' names
// contains.
type daemon struct {
	exes []string
	pkgs []string
}

// systemDaemons are the services a process list always shows, which malware
// names itself after to pass for one of them.
var systemDaemons = map[string]daemon{
	"sshd":            {exes: []string{"sshd-session", "sshd-auth"}, pkgs: []string{"openssh", "ssh"}},
	"systemd":         {pkgs: []string{"systemd"}},
	"init":            {exes: []string{"systemd"}, pkgs: []string{"systemd", "sysvinit"}},
	"dbus-daemon":     {pkgs: []string{"dbus"}},
	"dbus-broker":     {exes: []string{"dbus-broker-launch"}, pkgs: []string{"dbus"}},
	"cron":            {exes: []string{"crond"}, pkgs: []string{"cron"}},
	"crond":           {exes: []string{"cron"}, pkgs: []string{"cron"}},
	"anacron":         {pkgs: []string{"cron"}},
	"atd":             {pkgs: []string{"at"}},
	"rsyslogd":        {pkgs: []string{"rsyslog"}},
	"syslog-ng":       {pkgs: []string{"syslog-ng"}},
	"NetworkManager":  {pkgs: []string{"network-manager", "networkmanager"}},
	"polkitd":         {pkgs: []string{"polkit", "policykit"}},
	"avahi-daemon":    {pkgs: []string{"avahi"}},
	"cupsd":           {pkgs: []string{"cups"}},
	"cups-browsed":    {pkgs: []string{"cups"}},
	"bluetoothd":      {pkgs: []string{"bluez"}},
	"wpa_supplicant":  {pkgs: []string{"wpa"}},
	"dhclient":        {pkgs: []string{"dhcp"}},
	"dnsmasq":         {pkgs: []string{"dnsmasq"}},
	"chronyd":         {pkgs: []string{"chrony"}},
	"ntpd":            {pkgs: []string{"ntp"}},
	"accounts-daemon": {pkgs: []string{"accountsservice"}},
	"udisksd":         {pkgs: []string{"udisks"}},
	"upowerd":         {pkgs: []string{"upower"}},
	"ModemManager":    {pkgs: []string{"modemmanager"}},
	"auditd":          {pkgs: []string{"audit"}},
	"snapd":           {pkgs: []string{"snapd"}},
	"containerd":      {pkgs: []string{"containerd"}},
	"dockerd":         {pkgs: []string{"docker", "moby"}},
	"gdm":             {exes: []string{"gdm3"}, pkgs: []string{"gdm"}},
	"sddm":            {pkgs: []string{"sddm"}},
	"lightdm":         {pkgs: []string{"lightdm"}},
	"Xorg":            {exes: []string{"Xorg.bin", "Xorg.wrap"}, pkgs: []string{"xorg", "xserver"}},
	"rtkit-daemon":    {pkgs: []string{"rtkit"}},
	"colord":          {pkgs: []string{"colord"}},
	"packagekitd":     {pkgs: []string{"packagekit"}},
}

// renamers are executables (by the start of their file name) whose
// processes name themselves after their role: browsers and Electron apps
// ("Socket Process", "Web Content"), Wine (the Windows program's name).
var renamers = []string{
	"firefox", "thunderbird", "librewolf", "waterfox", "chrome", "chromium", "brave", "msedge",
	"opera", "vivaldi", "electron", "wine",
}

// mimicry is the outcome of comparing a process's names with its file.
type mimicry struct {
	// what the name poses as: "a kernel thread", "the system service sshd",
	// or "" for a plain mismatch.
	poses string
	// name is the offending name.
	name string
}

// nameMimics compares the process name (comm) and argv[0] with the
// executable, and reports a name that poses as a kernel thread or a system
// service the file is not (strong), or, failing that, a process name unlike
// the file's (weak). The rules, and what keeps ordinary programs quiet:
//   - a name equal to the file's name, or that name cut to comm's 15
//     bytes, is the file's own;
//   - a kernel-thread name ("kworker/0:1", anything in [brackets]) on a
//     process with an executable is always posing;
//   - a system service's name is posing unless the file is that service's
//     (its name, a known alternative such as gdm3, or a file of a package
//     whose name says so, intact); a file that merely bears the service's
//     name is the service only in a system binary folder or when its
//     package is intact;
//   - otherwise a process name unlike both its file and its argv[0] (a
//     prefix either way counts as alike, ignoring case: "python3" runs
//     python3.12; a symlink's name, such as "vi" for vim.basic, explains
//     an argv[0] unlike the file) is a weak
//     mismatch, except for interpreters (a script names its process),
//     intact packaged files, programs that name their processes by design
//     (browsers, Electron, Wine) and "exe" (a program that re-ran
//     /proc/self/exe).
func nameMimics(p monitor.Process, o provenance.Origin, interpreter bool) (mimicry, bool) {
	exe, _ := strings.CutSuffix(p.Exe, deletedSuffix)
	if exe == "" {
		return mimicry{}, false
	}
	base := path.Base(exe)
	argv0 := ""
	if len(p.Argv) > 0 {
		argv0 = argvName(p.Argv[0])
	}
	intact := o.Packaged() && o.Integrity != provenance.IntegrityMismatch
	for _, name := range []string{p.Name, argv0} {
		if name == "" {
			continue
		}
		if ownName(name, base) {
			// A file named like a system service is that service only
			// where services live, or when its package vouches for it:
			// ~/Downloads/sshd calling itself sshd is posing all the same.
			if _, svc, ok := daemonFor(name); ok && !intact && !systemBinary(exe) {
				return mimicry{poses: "the system service " + svc, name: name}, true
			}
			continue
		}
		if kernelThreadName(name) {
			return mimicry{poses: "a kernel thread", name: name}, true
		}
		if d, svc, ok := daemonFor(name); ok && !d.owns(exe, base, o) {
			return mimicry{poses: "the system service " + svc, name: name}, true
		}
	}
	if p.Name == "" || p.Name == "exe" || interpreter || intact || sameName(p.Name, argv0) || renamer(base) {
		return mimicry{}, false
	}
	if sameName(p.Name, base) {
		return mimicry{}, false
	}
	return mimicry{name: p.Name}, true
}

// argvName is the program name in argv[0]: its file name, without a login
// shell's leading '-' or a title a program wrote over it ("sshd: alice",
// "nginx: master process"); a [bracketed] name is kept whole.
func argvName(a string) string {
	if strings.HasPrefix(a, "[") {
		return a
	}
	if i := strings.IndexAny(a, ": "); i >= 0 {
		a = a[:i]
	}
	return strings.TrimPrefix(path.Base(a), "-")
}

// ownName reports whether a name is exactly the executable's file name, or
// that name cut to comm's 15 bytes.
func ownName(name, base string) bool {
	return name == base || (len(name) == 15 && strings.HasPrefix(base, name))
}

// sameName reports whether a process name is the executable's own: equal,
// or one a prefix of the other, ignoring case.
func sameName(name, base string) bool {
	n, b := strings.ToLower(name), strings.ToLower(base)
	if n == "" || b == "" {
		return n == b
	}
	return strings.HasPrefix(b, n) || strings.HasPrefix(n, b)
}

// kernelThreadName reports whether a name looks like a kernel thread's.
func kernelThreadName(name string) bool {
	if len(name) > 2 && name[0] == '[' && name[len(name)-1] == ']' {
		return true
	}
	for _, k := range kernelThreadPrefixes {
		if strings.HasPrefix(name, k) {
			return true
		}
	}
	return false
}

// daemonFor finds the system service a name belongs to: a listed name
// (cut to comm's 15 bytes), or systemd's own "systemd-*" and "(sd-*)".
func daemonFor(name string) (daemon, string, bool) {
	if strings.HasPrefix(name, "systemd-") || strings.HasPrefix(name, "(sd-") {
		return systemDaemons["systemd"], "systemd", true
	}
	for svc, d := range systemDaemons {
		if name == svc || (len(name) == 15 && strings.HasPrefix(svc, name)) {
			return d, svc, true
		}
	}
	return daemon{}, "", false
}

// owns reports whether an executable (its file name and origin) is the
// service's own.
func (d daemon) owns(exe, base string, o provenance.Origin) bool {
	intact := o.Packaged() && o.Integrity != provenance.IntegrityMismatch
	// A file's name vouches for it only where services live: ~/bin/systemd
	// or ~/bin/sshd-session is not the service, whatever it is called.
	if (intact || systemBinary(exe)) && (strings.HasPrefix(base, "systemd") && slices.Contains(d.pkgs, "systemd") ||
		slices.Contains(d.exes, base)) {
		return true
	}
	if !intact {
		return false
	}
	pkg := strings.ToLower(o.Package)
	for _, w := range d.pkgs {
		if strings.Contains(pkg, w) {
			return true
		}
	}
	return false
}

// renamer reports whether an executable names its processes by design.
func renamer(base string) bool {
	b := strings.ToLower(strings.TrimPrefix(base, "."))
	for _, r := range renamers {
		if strings.HasPrefix(b, r) {
			return true
		}
	}
	return false
}

// systemBinaryDirs are where system services' executables live; only root
// can write there on a sound system.
var systemBinaryDirs = []string{
	"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/", "/usr/local/sbin/", "/usr/local/bin/",
	"/usr/lib/", "/usr/libexec/", "/lib/", "/usr/local/lib/", "/opt/",
}

// systemBinary reports whether exe lies in a system binary folder.
func systemBinary(exe string) bool {
	exe = path.Clean(exe)
	for _, d := range systemBinaryDirs {
		if strings.HasPrefix(exe, d) {
			return true
		}
	}
	return false
}

// ProgramName names an assessment's program for people: the application
// name of its desktop entry when known, else its executable's file name;
// "" when neither is known. Never the process name, which the program
// chose itself. Escaped and bounded.
func ProgramName(a Assessment) string {
	if a.Origin.AppName != "" {
		return safetext.Line(a.Origin.AppName, 64)
	}
	if p, _ := ExePath(a.Listener); p != "" {
		return safetext.Line(filepath.Base(p), 64)
	}
	if pub := a.Published; pub != nil && a.PID == 0 && pub.Container != "" {
		// A port only the engine's NAT rules serve has no process: the
		// container it reaches is the program.
		return safetext.Line(pub.Engine+" container "+pub.Container, 64)
	}
	return ""
}
