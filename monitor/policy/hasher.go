package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// FileHasher computes files' SHA-256, caching each result until the file's
// stamp changes: its size, modification time, change time (which a user
// cannot set back) and identity (device and inode where the OS has them).
// It is safe for concurrent use.
type FileHasher struct {
	mu    sync.Mutex
	cache map[string]hashed
}

// hashed is one cached hash with the stamp it was computed for.
type hashed struct {
	stamp fileStamp
	sum   string
}

// fileStamp is what must stay equal for a cached hash to stay valid.
type fileStamp struct {
	size     int64
	mtime    time.Time
	ctime    int64
	dev, ino uint64
}

// maxCachedHashes bounds the cache; past it the cache starts over.
const maxCachedHashes = 4096

// SharedHasher is the process's hasher, shared so its cache is too.
var SharedHasher = &FileHasher{}

// Sum returns the lower-case hex SHA-256 of the file at path.
func (h *FileHasher) Sum(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	st := stampOf(fi)
	h.mu.Lock()
	c, ok := h.cache[path]
	h.mu.Unlock()
	if ok && c.stamp == st {
		return c.sum, nil
	}
	sum, after, err := hashFile(path)
	if err != nil {
		return "", err
	}
	if after == st {
		// Cache only when the file did not change while it was read.
		h.mu.Lock()
		if h.cache == nil || len(h.cache) >= maxCachedHashes {
			h.cache = make(map[string]hashed)
		}
		h.cache[path] = hashed{stamp: st, sum: sum}
		h.mu.Unlock()
	}
	return sum, nil
}

// hashFile reads and hashes a file, returning its stamp after reading.
func hashFile(path string) (string, fileStamp, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fileStamp{}, fmt.Errorf("hash %s: %w", path, err)
	}
	defer f.Close()
	d := sha256.New()
	if _, err := io.Copy(d, f); err != nil {
		return "", fileStamp{}, fmt.Errorf("hash %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return "", fileStamp{}, fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(d.Sum(nil)), stampOf(fi), nil
}
