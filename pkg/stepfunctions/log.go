package stepfunctions

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/stagecrew/stagecrew/pkg/logsafe"
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
// whoever wrote the state machine or its tasks controls. Every line and
// group title goes through package logsafe (the one neutraliser stagecrew
// has): line breaks and other control characters are escaped, "::" and
// "##[" are broken up, so no text from AWS can become a command. Group
// titles are also escaped the way the toolkit escapes command data.
type ActionsLog struct{ W io.Writer }

// Group starts a collapsible group.
func (l ActionsLog) Group(title string) {
	fmt.Fprintf(l.W, "::group::%s\n", escapeData(logsafe.String(title)))
}

// EndGroup ends the group.
func (l ActionsLog) EndGroup() { fmt.Fprintln(l.W, "::endgroup::") }

// Line writes one line of text.
func (l ActionsLog) Line(text string) { fmt.Fprintln(l.W, logsafe.Line(text)) }

// oneLine replaces line breaks and other control characters with spaces,
// so an error's cause reads as one sentence before it is clipped; the line
// it ends up in still goes through logsafe.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return ' '
		}
		return r
	}, s)
}

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
