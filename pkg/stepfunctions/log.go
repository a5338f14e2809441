package stepfunctions

import (
	"fmt"
	"io"
	"strings"
	"unicode"
)

// Logger receives the runner's progress: lines, some of them inside a
// collapsible group. Implementations must not let a line act as a workflow
// command; ActionsLog shows how.
type Logger interface {
	Group(title string)
	EndGroup()
	Line(text string)
}

// ActionsLog writes progress to a GitHub Actions job log (standard output of
// a step): groups as ::group::/::endgroup:: commands, lines as plain text.
//
// Lines carry names, errors and causes from the execution history, which
// whoever wrote the state machine or its tasks controls. The runner already
// starts each line with a timestamp; ActionsLog additionally folds every
// line break and control character into a space, puts "› " before a line
// that would begin with "::" once leading space is trimmed (the runner trims
// before parsing a command), and breaks up "##[" anywhere in the line (the
// legacy command form) with a zero-width space, so no text from AWS can
// become a command. Group titles get the same treatment and are escaped the
// way the toolkit escapes command data.
type ActionsLog struct{ W io.Writer }

// Group starts a collapsible group.
func (l ActionsLog) Group(title string) {
	fmt.Fprintf(l.W, "::group::%s\n", escapeData(noLegacy(oneLine(title))))
}

// EndGroup ends the group.
func (l ActionsLog) EndGroup() { fmt.Fprintln(l.W, "::endgroup::") }

// Line writes one line of text.
func (l ActionsLog) Line(text string) { fmt.Fprintln(l.W, safeLine(text)) }

// safeLine makes text one log line that the runner does not read as a
// workflow command.
func safeLine(text string) string {
	s := noLegacy(oneLine(text))
	if strings.HasPrefix(strings.TrimLeftFunc(s, unicode.IsSpace), "::") {
		return "› " + s
	}
	return s
}

// oneLine replaces line breaks and other control characters with spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return ' '
		}
		return r
	}, s)
}

// noLegacy breaks up the legacy command marker "##[".
func noLegacy(s string) string { return strings.ReplaceAll(s, "##[", "#\u200b#[") }

// escapeData escapes workflow command data as @actions/core does.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
