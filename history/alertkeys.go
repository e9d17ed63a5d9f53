package history

// maxAlertKeys bounds the alert keys a recorder remembers for MarkAlert:
// far more than the tray keeps (100), so any alert the user can still act
// on is found, while a flood of alerts cannot grow the memory without end.
const maxAlertKeys = 1024

// alertKeys maps a caller's alert keys to their rows, forgetting the
// oldest key beyond max. Only the recorder's writer goroutine uses it.
type alertKeys struct {
	max   int
	ids   map[string]int64
	order []string // keys, oldest first; a re-put key moves to the end
}

func newAlertKeys(max int) *alertKeys {
	return &alertKeys{max: max, ids: map[string]int64{}}
}

// get returns the row of key's latest alert.
func (k *alertKeys) get(key string) (int64, bool) {
	id, ok := k.ids[key]
	return id, ok
}

// put makes id the row of key's latest alert.
func (k *alertKeys) put(key string, id int64) {
	if _, ok := k.ids[key]; ok {
		for i, o := range k.order {
			if o == key {
				k.order = append(k.order[:i], k.order[i+1:]...)
				break
			}
		}
	}
	k.ids[key] = id
	k.order = append(k.order, key)
	for len(k.order) > k.max {
		delete(k.ids, k.order[0])
		k.order = k.order[1:]
	}
}
