package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// ErrFileCommand is wrapped by every error of AppendFileCommands and
// AppendStepSummary: the runner's file could not be named, opened or written,
// or a name or value could not be written safely.
var ErrFileCommand = errors.New("runner file command")

// AppendFileCommands appends name=value pairs to the runner file that the
// variable file names in getenv (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE),
// each as a heredoc with its own random delimiter, as the runner's toolkit
// (@actions/core) does: a value cannot end its heredoc early, so no value can
// suppress or forge another. All pairs go in one write; on any error nothing
// is written. Names must be non-empty and free of '=' and line breaks.
func AppendFileCommands(getenv func(string) string, file string, pairs [][2]string) error {
	var b strings.Builder
	for _, kv := range pairs {
		name, value := kv[0], kv[1]
		if name == "" || strings.ContainsAny(name, "=\r\n") {
			return fmt.Errorf("%w: %s: name %q cannot be written", ErrFileCommand, file, name)
		}
		delim, err := delimiter()
		if err != nil {
			return err
		}
		// A random 128-bit delimiter inside a value is not a coincidence:
		// refuse it rather than write a forged command.
		if strings.Contains(name, delim) || strings.Contains(value, delim) {
			return fmt.Errorf("%w: %s: %s holds the delimiter", ErrFileCommand, file, name)
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", name, delim, value, delim)
	}
	return appendRunnerFile(getenv, file, b.String())
}

// AppendStepSummary appends markdown (and a line break) to the job summary,
// the file GITHUB_STEP_SUMMARY names.
func AppendStepSummary(getenv func(string) string, markdown string) error {
	return appendRunnerFile(getenv, "GITHUB_STEP_SUMMARY", markdown+"\n")
}

func delimiter() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("%w: no random delimiter: %w", ErrFileCommand, err)
	}
	return "ghadelimiter_" + hex.EncodeToString(b[:]), nil
}

// appendRunnerFile appends text to the file the variable file names. The
// runner creates these files; a name that is missing, a link, a pipe or
// anything but a regular file is refused (and never waited on).
func appendRunnerFile(getenv func(string) string, file, text string) error {
	path := getenv(file)
	if path == "" {
		return fmt.Errorf("%w: %s is not set", ErrFileCommand, file)
	}
	before, err := os.Lstat(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %s: %w", ErrFileCommand, file, err)
	}
	if err == nil && !before.Mode().IsRegular() {
		return fmt.Errorf("%w: %s (%s) is not a regular file", ErrFileCommand, file, path)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0o644)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrFileCommand, file, err)
	}
	defer f.Close()
	// What was opened is what was checked (not swapped for a link since).
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || (before != nil && !os.SameFile(before, fi)) {
		return fmt.Errorf("%w: %s (%s) is not a regular file", ErrFileCommand, file, path)
	}
	if _, err := f.WriteString(text); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrFileCommand, file, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrFileCommand, file, err)
	}
	return nil
}
