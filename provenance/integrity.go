package provenance

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
)

// fileStat is a file's identity and the times that change with its
// content; a cached checksum is good while all of them stay the same.
type fileStat struct {
	dev, ino     uint64
	mtime, ctime int64
	size         int64
}

// hashFile returns the hex digest of the file; hexLen picks the algorithm.
func hashFile(path string, hexLen int) (string, error) {
	var h hash.Hash
	switch hexLen {
	case 32:
		h = md5.New()
	case 64:
		h = sha256.New()
	default:
		return "", fmt.Errorf("no checksum algorithm of %d hex digits", hexLen)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
