package monitor

import (
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

// servers returns the users, besides root, whose forwarder may serve
// namespace ino. Entering a network namespace (pasta, slirp4netns)
// takes CAP_SYS_ADMIN over the user namespace that owns it, which only
// root and the owners of that user namespace and of its parents have; so
// those owners, as the kernel records them. When the kernel does not say
// (before Linux 4.11, or the namespace file cannot be opened), the users
// its member processes run as. None when the namespace is not known.
func (t *nsTracker) servers(ino uint64) []uint32 {
	sp := t.spaces[ino]
	if sp == nil {
		return nil
	}
	for _, pid := range sp.members {
		if uids, ok := t.userNSOwners(pid, ino); ok {
			return uids
		}
	}
	var uids []uint32
	for _, pid := range sp.members {
		var st unix.Stat_t
		if err := unix.Stat(t.fs.root+"/"+strconv.Itoa(int(pid)), &st); err == nil && !slices.Contains(uids, st.Uid) {
			// Re-checked: a pid reused since the last scan is another
			// process's.
			if got, err := t.pidNS(pid); err == nil && got == ino {
				uids = append(uids, st.Uid)
			}
		}
	}
	return uids
}

// userNSOwners returns the owners of the user namespace that owns pid's
// network namespace and of that one's parents, up to the first the kernel
// will not show (the initial one's parent, or one beyond our own); ok is
// false when pid is no longer in namespace ino or the kernel says nothing.
func (t *nsTracker) userNSOwners(pid int32, ino uint64) (uids []uint32, ok bool) {
	t.fs.pidPath(pid, "/ns/net")
	fd, err := openat(unix.AT_FDCWD, &t.fs.path[0], unix.O_RDONLY)
	if err != nil {
		return nil, false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Ino != ino {
		return nil, false // the pid was reused
	}
	user, err := unix.IoctlRetInt(fd, unix.NS_GET_USERNS)
	if err != nil {
		return nil, false
	}
	for depth := 0; depth < 33; depth++ { // the kernel nests at most 32
		uid, err := unix.IoctlGetUint32(user, unix.NS_GET_OWNER_UID)
		if err != nil {
			break
		}
		if !slices.Contains(uids, uid) {
			uids = append(uids, uid)
		}
		parent, err := unix.IoctlRetInt(user, unix.NS_GET_PARENT)
		if err != nil {
			break
		}
		unix.Close(user)
		user = parent
	}
	unix.Close(user)
	return uids, len(uids) > 0
}
