package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// DefaultMaxSize is the size limit when none is given: 8 MiB, the largest
// catalog file stagecrew reads.
const DefaultMaxSize = 8 << 20

// Root is a folder whose files are read safely: names are resolved inside
// it (an os.Root), symbolic links are followed only to files inside it, and
// only regular files are read, at most MaxSize bytes.
type Root struct {
	root    *os.Root
	dir     string // as the caller named it; paths in errors start with it
	real    string // absolute, links resolved: what "inside" means
	maxSize int64
}

// OpenRoot opens the folder dir. maxSize bounds every file read through the
// Root; DefaultMaxSize when zero or less. The caller closes the Root.
func OpenRoot(dir string, maxSize int64) (*Root, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	// Stat first: os.OpenRoot opens without O_NONBLOCK, and opening a named
	// pipe that way waits for a writer.
	info, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, &Error{Path: dir, Err: ErrNotRegular, Detail: "not a folder"}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Root{root: r, dir: dir, real: real, maxSize: maxSize}, nil
}

// Close releases the folder.
func (r *Root) Close() error { return r.root.Close() }

// Dir returns the folder as it was named to OpenRoot.
func (r *Root) Dir() string { return r.dir }

// Path returns the name a caller would use for rel, a slash-separated name
// relative to the Root: the Root's folder joined with rel.
func (r *Root) Path(rel string) string {
	if rel == "." {
		return r.dir
	}
	return filepath.Join(r.dir, filepath.FromSlash(rel))
}

// ReadFile reads rel, a slash-separated name relative to the Root. It
// returns an *Error wrapping ErrNotRegular, ErrTooLarge, ErrOutsideRoot or
// ErrDanglingLink when it refuses the file, or the system's error (inside
// an *Error) when the file cannot be opened or read.
func (r *Root) ReadFile(rel string) ([]byte, error) {
	var data []byte
	err := r.read(rel, func(src io.Reader, size int64) (int, error) {
		var err error
		data, err = readAll(src, size)
		return len(data), err
	})
	if err != nil {
		return nil, err // not the part read before the limit
	}
	return data, nil
}

// ReadFileString is ReadFile returning the file as a string, read into it
// without the copy that converting ReadFile's bytes would make.
func (r *Root) ReadFileString(rel string) (string, error) {
	var b strings.Builder
	err := r.read(rel, func(src io.Reader, size int64) (int, error) {
		b.Grow(int(size))
		buf := make([]byte, min(size, 16<<10)) // the copy is cheap; the buffer, one a file, is not
		_, err := io.CopyBuffer(&b, src, buf)
		return b.Len(), err
	})
	if err != nil {
		return "", err
	}
	return b.String(), nil
}

// read opens rel after ReadFile's checks and hands its content to into,
// with the size to expect; into returns how many bytes it read.
func (r *Root) read(rel string, into func(src io.Reader, size int64) (int, error)) error {
	path := r.Path(rel)
	if err := r.checkLink(rel, path); err != nil {
		return err
	}
	// O_NONBLOCK: a named pipe put there after the checks above opens at
	// once instead of waiting for a writer, and is refused below.
	f, err := r.root.OpenFile(filepath.FromSlash(rel), os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return r.openError(path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return &Error{Path: path, Err: err}
	}
	if !info.Mode().IsRegular() {
		return &Error{Path: path, Err: ErrNotRegular, Detail: Kind(info.Mode())}
	}
	if info.Size() > r.maxSize {
		return tooLarge(path, fmt.Sprintf("%d bytes", info.Size()), r.maxSize)
	}
	// The size can change while reading: the limit holds for what is read.
	// The buffer starts at the size Stat gave, so a file read whole takes
	// one allocation, not a doubling series.
	n, err := into(io.LimitReader(f, r.maxSize+1), min(info.Size(), r.maxSize)+512)
	if err != nil {
		return &Error{Path: path, Err: err}
	}
	if int64(n) > r.maxSize {
		return tooLarge(path, "it grew while read", r.maxSize)
	}
	return nil
}

// readAll is io.ReadAll into a buffer of size bytes to start with.
func readAll(r io.Reader, size int64) ([]byte, error) {
	data := make([]byte, 0, size)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func tooLarge(path, size string, limit int64) error {
	return &Error{Path: path, Err: ErrTooLarge, Detail: fmt.Sprintf("%s, more than the limit of %d", size, limit)}
}

// checkLink reports a symbolic link at rel (or in its folders) that leads
// out of the tree or nowhere. os.Root refuses those too; this gives the
// refusal a sentinel people and callers can read.
func (r *Root) checkLink(rel, path string) error {
	info, err := r.root.Lstat(filepath.FromSlash(rel))
	if err != nil {
		return nil // the open reports it
	}
	if info.Mode()&fs.ModeSymlink == 0 && !strings.Contains(rel, "/") {
		return nil
	}
	target, err := filepath.EvalSymlinks(filepath.Join(r.real, filepath.FromSlash(rel)))
	if err != nil {
		if info.Mode()&fs.ModeSymlink != 0 {
			return &Error{Path: path, Err: ErrDanglingLink}
		}
		return nil
	}
	if !inside(r.real, target) {
		return &Error{Path: path, Err: ErrOutsideRoot}
	}
	return nil
}

// openError turns an error of os.Root into an *Error with a sentinel when
// it is one of the refusals.
func (r *Root) openError(path string, err error) error {
	var errno syscall.Errno
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &Error{Path: path, Err: err}
	case errors.As(err, &errno) && errno == syscall.ELOOP:
		return &Error{Path: path, Err: ErrDanglingLink, Detail: "a loop of links"}
	case strings.Contains(err.Error(), "escapes from parent"):
		// os.Root's own refusal (its error is not exported): an absolute
		// link, or one swapped in after checkLink.
		return &Error{Path: path, Err: ErrOutsideRoot}
	}
	return &Error{Path: path, Err: err}
}

// inside reports whether target is dir or below it (both absolute, clean).
func inside(dir, target string) bool {
	if target == dir {
		return true
	}
	if dir == string(filepath.Separator) {
		return true
	}
	return strings.HasPrefix(target, dir+string(filepath.Separator))
}

// Kind names the type of a file mode for messages: "a named pipe", "a
// device", "a folder".
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// ReadFile reads the file at path with its own folder as the tree: a
// symbolic link is followed only to a file in that folder or below. It
// refuses what Root.ReadFile refuses.
func ReadFile(path string, maxSize int64) ([]byte, error) {
	return readNamed(path, maxSize, (*Root).ReadFile)
}

// ReadFileString is ReadFile returning the file as a string (see
// Root.ReadFileString).
func ReadFileString(path string, maxSize int64) (string, error) {
	return readNamed(path, maxSize, (*Root).ReadFileString)
}

// readNamed reads the file at path with read, its own folder as the Root.
func readNamed[T []byte | string](path string, maxSize int64, read func(*Root, string) (T, error)) (T, error) {
	var zero T
	r, err := OpenRoot(filepath.Dir(path), maxSize)
	if err != nil {
		return zero, &Error{Path: path, Err: errors.Unwrap(err)}
	}
	defer r.Close()
	data, err := read(r, filepath.Base(path))
	var e *Error
	if errors.As(err, &e) {
		e.Path = path // as named, not re-joined
	}
	return data, err
}
