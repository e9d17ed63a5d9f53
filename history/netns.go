package history

import (
	"database/sql"
	"encoding/json"
	"fmt"

	"portlight/monitor"
)

// nsColumns are the stored netns and container of l: 0 and NULL for the
// host's namespace (and an unknown one), as every row written before the
// namespace columns existed. The inode is stored as SQLite's signed
// integer; uint64 round-trips through int64 unchanged.
func nsColumns(l monitor.Listener) (netns int64, container sql.NullString) {
	if !l.Namespace.Inner() {
		return 0, sql.NullString{}
	}
	if c := l.Container; c != nil {
		if b, err := json.Marshal(c); err == nil {
			container = sql.NullString{String: string(b), Valid: true}
		}
	}
	return int64(l.Namespace.ID), container
}

// nsFromColumns is the namespace and container read back from netns and
// container; a container that does not parse is left out.
func nsFromColumns(netns int64, container sql.NullString) (monitor.Namespace, *monitor.Container) {
	if netns == 0 {
		return monitor.Namespace{}, nil
	}
	ns := monitor.Namespace{ID: uint64(netns)}
	if !container.Valid {
		return ns, nil
	}
	var c monitor.Container
	if err := json.Unmarshal([]byte(container.String), &c); err != nil {
		return ns, nil
	}
	return ns, &c
}

// Where says, for an event in another network namespace than the host's,
// which: "in container web (docker)" when its container is known, else
// "in namespace net:[4026532177]"; "" for the host's. The container's name
// comes from a cgroup path other programs chose: callers clean it (safetext)
// like every other stored text.
func (l Line) Where() string {
	if l.Namespace == 0 {
		return ""
	}
	if c := l.Container; c != nil {
		name := c.Name
		if name == "" {
			name = c.ID
			if len(name) > 12 { // engines print ids with 12 digits
				name = name[:12]
			}
		}
		if name != "" && c.Engine != "" {
			return fmt.Sprintf("in container %s (%s)", name, c.Engine)
		}
		if name != "" {
			return "in container " + name
		}
	}
	return fmt.Sprintf("in namespace net:[%d]", l.Namespace)
}
