package actions

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/stagecrew/stagecrew/pkg/safefile"
)

// ErrOutsideWorkspace is wrapped by the error for an input naming a file
// outside the workspace (or, for audit-log, outside the workspace and the
// runner's temporary folder), through "..", an absolute path or a link.
var ErrOutsideWorkspace = errors.New("not inside the workspace")

// maxTaskDefinition bounds a task definition file: ECS's own limit on a
// registered task definition is 64 KiB; a file may carry more than ECS keeps.
const maxTaskDefinition = 1 << 20

// workspaceRel returns name relative to root, refusing names that leave it.
// A relative name is taken from root; an absolute one must lie inside it.
func workspaceRel(root, name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%w: empty name", ErrOutsideWorkspace)
	}
	if filepath.IsAbs(name) {
		absRoot, err := filepath.Abs(root)
		if err != nil {
			return "", err
		}
		rel, err := filepath.Rel(absRoot, name)
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrOutsideWorkspace, err)
		}
		name = rel
	}
	clean := filepath.Clean(name)
	if clean == "." || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) || filepath.IsAbs(clean) {
		return "", ErrOutsideWorkspace
	}
	return filepath.ToSlash(clean), nil
}

// readWorkspaceFile reads the file an input names, confined to the
// workspace: a name leaving it, a link out of it, a pipe or device, or a
// file over max bytes is refused with an error naming the input.
func readWorkspaceFile(workspace, input, name string, max int64) ([]byte, error) {
	rel, err := workspaceRel(workspace, name)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", input, logSafe(name), err)
	}
	root, err := safefile.OpenRoot(workspace, max)
	if err != nil {
		return nil, fmt.Errorf("%s: workspace %s: %w", input, logSafe(workspace), err)
	}
	defer root.Close()
	data, err := root.ReadFile(rel)
	if err != nil {
		if errors.Is(err, safefile.ErrOutsideRoot) {
			err = fmt.Errorf("%w: %w", ErrOutsideWorkspace, err)
		}
		return nil, fmt.Errorf("%s: %s", input, logSafe(err.Error()))
	}
	return data, nil
}

// openAuditLog opens the audit-log file for appending, inside the first of
// roots (the workspace, then the runner's temporary folder) that holds it:
// a relative name is the workspace's. The file is created with mode 0600;
// an existing one is brought to 0600. A link (at any step out of the root,
// or as the file itself), a pipe or anything but a regular file is refused,
// so a committed link cannot make the record land elsewhere.
func openAuditLog(path string, roots ...string) (*os.File, error) {
	var firstErr error
	for i, dir := range roots {
		if dir == "" || (i > 0 && !filepath.IsAbs(path)) {
			continue
		}
		rel, err := workspaceRel(dir, path)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		return openAppendInRoot(dir, rel)
	}
	if firstErr == nil {
		firstErr = ErrOutsideWorkspace
	}
	return nil, fmt.Errorf("%s: %w", logSafe(path), firstErr)
}

func openAppendInRoot(dir, rel string) (*os.File, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	name := filepath.FromSlash(rel)
	if fi, err := root.Lstat(name); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %s, not a regular file", logSafe(rel), safefile.Kind(fi.Mode()))
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrPermission) || strings.Contains(err.Error(), "escapes") {
			return nil, fmt.Errorf("%w: %s", ErrOutsideWorkspace, logSafe(err.Error()))
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s: %s, not a regular file", logSafe(rel), safefile.Kind(fi.Mode()))
	}
	if err == nil && fi.Mode().Perm() != 0o600 {
		err = f.Chmod(0o600)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
