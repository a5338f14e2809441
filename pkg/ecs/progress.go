package ecs

import (
	"fmt"
	"io"
	"strings"
)

// Neutralise makes an untrusted string (a service event, a stopped reason, a
// container's log line) safe to print in a GitHub Actions log: it cannot
// start a workflow command ("::set-output", "::add-mask", "::stop-commands",
// the legacy "##[" form) because every "::" and "##[" gets a zero-width space
// in the middle, and it stays on one line (CR and LF become spaces), so it
// cannot start a command on a line of its own either.
func Neutralise(s string) string {
	if !strings.ContainsAny(s, ":#\r\n") {
		return s
	}
	s = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
	for strings.Contains(s, "::") {
		s = strings.ReplaceAll(s, "::", ":\u200b:")
	}
	for strings.Contains(s, "##[") {
		s = strings.ReplaceAll(s, "##[", "#\u200b#[")
	}
	return s
}

// printer writes progress lines; a nil writer discards them.
type printer struct{ w io.Writer }

// linef writes one line; the format is trusted, args that are strings are
// neutralised.
func (p printer) linef(format string, args ...any) {
	if p.w == nil {
		return
	}
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = Neutralise(s)
		}
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}
