//go:build !linux

package settings

import (
	"errors"
	"os"
)

// fileStamp is what tells that a file changed: its identity, size and
// modification time. A rename (our atomic write) changes the identity even
// when size and time are equal.
type fileStamp struct {
	fi os.FileInfo // nil when the file does not exist
}

// stampFile stats path; a missing file has the zero stamp.
func stampFile(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return fileStamp{}, nil
	}
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{fi: fi}, nil
}

// same reports whether two stamps show the same file content.
func (a fileStamp) same(b fileStamp) bool {
	if a.fi == nil || b.fi == nil {
		return a.fi == nil && b.fi == nil
	}
	return os.SameFile(a.fi, b.fi) && a.fi.Size() == b.fi.Size() && a.fi.ModTime().Equal(b.fi.ModTime())
}
