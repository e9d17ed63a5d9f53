package monitor

// ExeState says what the kernel's link to a process's executable
// (/proc/PID/exe) tells of the file it runs, compared with the path that link
// names as seen from Portlight's own mount namespace.
type ExeState string

// Executable states. Anything but ExeOK is a fact about the listener that the
// policy judges: the path a process reports is then not the file it runs.
const (
	// ExeUnknown: the link could not be read (another user's process, or a
	// process that exited).
	ExeUnknown ExeState = ""
	// ExeOK: the path names, in our mount namespace, the very file the
	// process runs (same device and inode).
	ExeOK ExeState = "ok"
	// ExeDeleted: the file was unlinked after the process started.
	ExeDeleted ExeState = "deleted"
	// ExeReplaced: the path now names another file than the one running
	// (an update or a swap after start).
	ExeReplaced ExeState = "replaced"
	// ExeMemfd: the process runs from a memfd, a file that exists only in
	// memory.
	ExeMemfd ExeState = "memfd"
	// ExeAnonymous: the executable has no path at all (another anonymous
	// mapping than a memfd).
	ExeAnonymous ExeState = "anonymous"
	// ExeForeignMount: the process lives in another mount namespace (a
	// container, a sandbox), so its path means another file there; the
	// identity is the file's, read through /proc/PID/exe.
	ExeForeignMount ExeState = "other-mount-namespace"
)

// ExeIdentity identifies the executable a process runs by the file itself,
// read through /proc/PID/exe, not by the path string it reports.
type ExeIdentity struct {
	State ExeState `json:"state,omitempty"`
	// Dev and Inode are the running file's device and inode numbers.
	Dev   uint64 `json:"dev,omitempty"`
	Inode uint64 `json:"inode,omitempty"`
	// MountNS is the inode of the process's mount namespace (0 when unknown).
	MountNS uint64 `json:"mnt_ns,omitempty"`
}

// HasFile reports whether the running executable is, as far as can be told,
// the regular file its path names in our mount namespace.
func (id ExeIdentity) HasFile() bool { return id.State == ExeOK }
