package report

import (
	"strings"
	"unicode/utf8"
)

// GitHub's limits on the Markdown it takes, in characters (Unicode code
// points): an issue or pull request comment body, and a check run's
// output.summary (the REST description's maxLength).
const (
	MaxCommentBody     = 65536
	MaxCheckRunSummary = 65535
)

// cutNote ends a text that Cut shortened.
const cutNote = "\n(cut: the report is longer than GitHub takes; the job summary has all of it)\n"

// Cut returns s when it has at most limit characters; otherwise it returns
// a prefix of s, cut on a line (or at least a character) boundary, with any
// code fence or <details> block left open by the cut closed again and a
// "(cut ...)" note added, all within limit characters.
func Cut(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	budget := limit - utf8.RuneCountInString(cutNote)
	for range 8 {
		if budget <= 0 {
			break
		}
		kept := cutAt(s, budget)
		closing := closers(kept)
		out := kept + closing + cutNote
		over := utf8.RuneCountInString(out) - limit
		if over <= 0 {
			return out
		}
		budget -= over // the closers grew: keep less and look again
	}
	// Only a limit smaller than the note itself gets here.
	return cutAt(s, limit)
}

// cutAt returns the first n characters of s, shortened to end at a line
// break when one is near.
func cutAt(s string, n int) string {
	i := 0
	for j := range s {
		if n == 0 {
			i = j
			break
		}
		n--
	}
	kept := s[:i]
	if nl := strings.LastIndexByte(kept, '\n'); nl >= 0 && utf8.RuneCountInString(kept[nl:]) <= 4096 {
		kept = kept[:nl+1]
	}
	return kept
}

// closers returns what closes the code fence and <details> blocks left open
// at the end of md.
func closers(md string) string {
	var fence string // the open fence's character run, "" outside a fence
	details := 0
	for line := range strings.Lines(md) {
		line = strings.TrimRight(line, "\r\n")
		run := fenceRun(line)
		switch {
		case fence == "" && run != "":
			fence = run
		case fence != "" && run != "" && run[0] == fence[0] && len(run) >= len(fence) && strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), run[:1])) == "":
			fence = ""
		case fence == "":
			details += strings.Count(line, "<details>") - strings.Count(line, "</details>")
		}
	}
	var b strings.Builder
	if !strings.HasSuffix(md, "\n") && md != "" {
		b.WriteByte('\n')
	}
	if fence != "" {
		b.WriteString(fence + "\n")
	}
	for ; details > 0; details-- {
		b.WriteString("</details>\n")
	}
	return b.String()
}

// fenceRun returns the run of backticks or tildes that opens or closes a
// fenced code block on line (CommonMark: at most three spaces of indent,
// then three or more of the same character), or "".
func fenceRun(line string) string {
	indent := len(line) - len(strings.TrimLeft(line, " "))
	if indent > 3 {
		return ""
	}
	rest := line[indent:]
	if rest == "" || (rest[0] != '`' && rest[0] != '~') {
		return ""
	}
	n := len(rest) - len(strings.TrimLeft(rest, rest[:1]))
	if n < 3 {
		return ""
	}
	if rest[0] == '`' && strings.Contains(rest[n:], "`") {
		return "" // a backtick fence's info string has no backticks
	}
	return rest[:n]
}
