package provenance

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Resolver looks provenance up, caching per file identity and per process.
// It is safe for concurrent use.
type Resolver struct {
	opts      Options
	dpkg      *dpkgDB
	pacman    *pacmanDB
	rpmOnce   sync.Once
	rpmBin    string
	apps      *desktopIndex
	autostart *desktopIndex

	mu        sync.Mutex
	files     map[fileKey]*fileEntry
	procs     map[int32]*procEntry
	lastSweep time.Time
}

type fileKey struct{ dev, ino uint64 }

// fileEntry is what one file's path and content say: the package that
// ships it and whether it matches. sum caches the file's own digest.
type fileEntry struct {
	path    string
	st      fileStat
	part    Origin
	sum     string
	gen     dbGen
	checked time.Time
	used    time.Time
}

// procEntry is one process's whole answer.
type procEntry struct {
	exe      string
	key      fileKey
	start    uint64
	origin   Origin
	checked  time.Time
	used     time.Time
	sameRoot bool
}

// Cache timing: a cached answer is served as is for recheck, then its
// process start time and file times are compared again (a few µs);
// entries unused for forget are dropped.
const (
	recheck = 5 * time.Second
	forget  = 5 * time.Minute
)

// NewResolver returns a resolver reading the system opts describe. Nothing
// is read until the first Lookup.
func NewResolver(opts Options) *Resolver {
	o := opts.normalize()
	lang := language()
	return &Resolver{
		opts:      o,
		dpkg:      newDpkgDB(o.Root, o.cacheFile(DpkgCacheFile)),
		pacman:    newPacmanDB(o.Root),
		apps:      newDesktopIndex(o.applicationDirs(), o.resolveProgram, lang),
		autostart: newDesktopIndex(o.autostartDirs(), o.resolveProgram, lang),
		files:     map[fileKey]*fileEntry{},
		procs:     map[int32]*procEntry{},
	}
}

// Lookup says where a program came from. exe is the path the process
// reports, dev and ino the running file's identity (from /proc/PID/exe;
// zero to stat the path), pid the process (0 for a file alone).
func (r *Resolver) Lookup(pid int32, exe string, dev, ino uint64) Origin {
	now := time.Now()
	exe = strings.TrimSuffix(exe, " (deleted)")
	key := fileKey{dev, ino}
	if pid <= 0 {
		part, _ := r.fileOrigin(now, 0, exe, key, true)
		r.addDesktop(now, &part, fileQuery(part, exe))
		r.sweep(now)
		return part
	}
	r.mu.Lock()
	e := r.procs[pid]
	if e != nil && e.exe == exe && e.key == key && now.Sub(e.checked) < recheck {
		e.used = now
		o := e.origin.clone()
		r.mu.Unlock()
		return o
	}
	r.mu.Unlock()

	st, err := readProcStat(r.opts.ProcRoot, pid)
	if err != nil {
		// Gone: answer from the file alone, or from what we had.
		if e != nil && e.exe == exe && e.key == key {
			return e.origin.clone()
		}
		part, _ := r.fileOrigin(now, 0, exe, key, true)
		r.addDesktop(now, &part, fileQuery(part, exe))
		return part
	}
	// Entries are replaced, never changed outside the lock.
	var ne procEntry
	if e != nil && e.exe == exe && e.key == key && e.start == st.startTime {
		// The same process: its start facts stand; the file may have moved on.
		part, _ := r.fileOrigin(now, pid, exe, key, e.sameRoot)
		ne = procEntry{exe: exe, key: key, start: e.start, sameRoot: e.sameRoot, origin: e.origin.clone()}
		o := &ne.origin
		o.Manager, o.Package, o.Version, o.Integrity = mergeFile(*o, part)
	} else {
		ne = procEntry{exe: exe, key: key, start: st.startTime, sameRoot: sameRoot(r.opts.ProcRoot, pid)}
		ne.origin = r.processOrigin(now, pid, exe, key, st, ne.sameRoot)
	}
	ne.checked, ne.used = now, now
	o := ne.origin.clone()
	r.mu.Lock()
	r.procs[pid] = &ne
	r.mu.Unlock()
	r.sweep(now)
	return o
}

// mergeFile keeps a bundle's claim over the file's package claim.
func mergeFile(o, file Origin) (manager, pkg, version string, integ Integrity) {
	switch o.Manager {
	case "flatpak", "snap", "appimage":
		return o.Manager, o.Package, o.Version, o.Integrity
	}
	return file.Manager, file.Package, file.Version, file.Integrity
}

func (o Origin) clone() Origin {
	o.Parents = slices.Clone(o.Parents)
	if o.Container != nil {
		c := *o.Container
		o.Container = &c
	}
	return o
}

// processOrigin gathers everything for a process seen for the first time.
func (r *Resolver) processOrigin(now time.Time, pid int32, exe string, key fileKey, st procStat, same bool) Origin {
	o, _ := r.fileOrigin(now, pid, exe, key, same)
	proc := r.opts.ProcRoot
	cg := parseCgroup(cgroupPath(readString(filepath.Join(proc, strconv.Itoa(int(pid)), "cgroup"))))
	o.Unit, o.UnitScope, o.Container = cg.unit, cg.unitScope, cg.container

	env := environ(proc, pid, "APPIMAGE", "APPDIR", "SNAP", "SNAP_NAME", "SNAP_INSTANCE_NAME", "SNAP_VERSION")
	flatpakID := ""
	if !same || strings.HasPrefix(exe, "/app/") {
		flatpakID = flatpakInfo(proc, pid)
	}
	if flatpakID == "" && strings.HasPrefix(exe, "/app/") {
		flatpakID = cg.flatpakID
	}
	var cur bundle
	if bundleManager(o) != "" {
		cur = bundle{manager: o.Manager, appID: o.AppID}
	}
	if b := bundleByProcess(cur, exe, env, flatpakID); b != cur {
		o.Manager, o.AppID, o.AppImage = b.manager, b.appID, b.appImage
		o.Package, o.Version, o.Integrity = b.appID, b.version, IntegrityUnknown
	}

	o.Parents, o.Terminal = ancestry(proc, st.ppid)
	o.Terminal = o.Terminal || cg.vte

	q := desktopQuery{ids: cg.desktopIDs, exe: exe}
	if o.AppID != "" {
		q.apps = []string{o.AppID}
	}
	r.addDesktop(now, &o, q)
	if !o.Terminal {
		aq := desktopQuery{exe: exe}
		if cg.autostart {
			aq.ids = cg.desktopIDs
		}
		if a := r.autostart.find(now, aq); a != nil {
			o.Autostart = a.path
		}
	}
	return o
}

func bundleManager(o Origin) string {
	switch o.Manager {
	case "flatpak", "snap", "appimage":
		return o.Manager
	}
	return ""
}

// fileQuery asks for the desktop entry of a file alone.
func fileQuery(o Origin, exe string) desktopQuery {
	q := desktopQuery{exe: exe}
	if o.AppID != "" {
		q.apps = []string{o.AppID}
	}
	return q
}

// addDesktop fills the application's name and icon.
func (r *Resolver) addDesktop(now time.Time, o *Origin, q desktopQuery) {
	if e := r.apps.find(now, q); e != nil {
		o.AppName, o.Icon, o.DesktopFile = e.name, e.icon, e.path
	}
}

// Release drops what has not been used for a while (five minutes): the
// cached answers, and the package index when it can be read again from its
// cache file. Lookups sweep the answers themselves; a process that may go
// long without a lookup (the resident on a quiet machine) calls Release
// now and then, so that what it looked up at start-up does not stay in
// its memory all day. It reports whether the package index was dropped.
func (r *Resolver) Release(now time.Time) bool {
	r.mu.Lock()
	r.lastSweep = time.Time{}
	r.mu.Unlock()
	r.sweep(now)
	return r.dpkg.release(now.Add(-forget))
}

// sweep drops entries unused for a while, at most once a minute.
func (r *Resolver) sweep(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.lastSweep) < time.Minute {
		return
	}
	r.lastSweep = now
	for pid, e := range r.procs {
		if now.Sub(e.used) > forget {
			delete(r.procs, pid)
		}
	}
	for k, e := range r.files {
		if now.Sub(e.used) > forget {
			delete(r.files, k)
		}
	}
}
