package safefile

import (
	"errors"
	"fmt"
)

// Sentinel errors matched with errors.Is on an *Error.
var (
	// ErrNotRegular: the name is a named pipe, device, socket or folder.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: the file is longer than the size limit.
	ErrTooLarge = errors.New("file too large")
	// ErrOutsideRoot: a symbolic link (or ..) leads out of the tree, or is
	// absolute.
	ErrOutsideRoot = errors.New("symbolic link leads outside the tree")
	// ErrDanglingLink: a symbolic link whose target does not exist, or a
	// loop of links.
	ErrDanglingLink = errors.New("dangling symbolic link")
)

// Error is a file that was not read, and why.
type Error struct {
	Path   string // the file, as the caller named it
	Err    error  // one of the sentinels above, or the system's error
	Detail string // what the file is, for people ("a named pipe"); may be empty
}

// Error formats the problem as "path: reason (detail)".
func (e *Error) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("%s: %v (%s)", e.Path, e.Err, e.Detail)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

// Unwrap returns the sentinel or system error.
func (e *Error) Unwrap() error { return e.Err }
