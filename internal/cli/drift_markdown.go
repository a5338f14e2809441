package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/drift"
	"github.com/stagecrew/stagecrew/pkg/logsafe"
)

// writeDriftMarkdown writes the report for a GitHub issue or comment.
// Every string from the catalog or AWS goes through mdText or a code
// fence, so none can add markup, links, mentions or issue references.
func writeDriftMarkdown(w io.Writer, rep *drift.Report) {
	fmt.Fprintln(w, "## stagecrew drift")
	fmt.Fprintln(w)
	var sum strings.Builder
	writeDriftSummary(&sum, rep)
	fmt.Fprintln(w, mdText(strings.TrimSpace(sum.String())))
	fmt.Fprintln(w)
	sections := []struct {
		kind  drift.Kind
		title string
	}{
		{drift.KindPhantom, "Phantoms: annotated, not in AWS"},
		{drift.KindDefinition, "Definition drift"},
		{drift.KindTaskFamily, "Task definition family"},
		{drift.KindOrphan, "Orphans: in AWS, no entity"},
		{drift.KindOwnership, "Ownership"},
	}
	for _, sec := range sections {
		if rep.Counts[sec.kind] == 0 {
			continue
		}
		fmt.Fprintf(w, "### %s (%d)\n\n", sec.title, rep.Counts[sec.kind])
		fmt.Fprintln(w, "| Entity | Environment | Resource | Finding | Where |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		var diffs []drift.Finding
		for _, f := range rep.Findings {
			if f.Kind != sec.kind {
				continue
			}
			where := ""
			if f.File != "" {
				where = fmt.Sprintf("%s:%d", f.File, f.Line)
			}
			msg := mdText(f.Message)
			if len(f.Tags) > 0 {
				msg += "<br>tags: " + mdText(annotations.FormatTags(f.Tags))
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", mdCode(f.Entity), mdText(f.Environment), mdCode(f.Resource), msg, mdCode(where))
			if f.Diff != "" {
				diffs = append(diffs, f)
			}
		}
		fmt.Fprintln(w)
		for _, f := range diffs {
			fmt.Fprintf(w, "<details><summary>%s in %s</summary>\n\n", mdText(f.Entity), mdText(f.Environment))
			writeFence(w, "diff", clipLines(f.Diff, maxMarkdownDiffLines))
			fmt.Fprint(w, "\n</details>\n\n")
		}
	}
	if len(rep.ScopeErrors) > 0 {
		fmt.Fprintln(w, "### Not read")
		fmt.Fprintln(w)
		for _, e := range rep.ScopeErrors {
			fmt.Fprintf(w, "- account %s, region %s, role %s: %s\n", mdCode(e.Account), mdCode(e.Region), mdCode(e.Role), mdText(e.Message))
		}
		fmt.Fprintln(w)
	}
	if len(rep.Skipped) > 0 {
		fmt.Fprintln(w, "### Not checked")
		fmt.Fprintln(w)
		for _, s := range rep.Skipped {
			fmt.Fprintf(w, "- %s %s: %s\n", mdCode(s.Entity), mdText(s.Environment), mdText(s.Reason))
		}
		fmt.Fprintln(w)
	}
}

// mdText escapes outside text for a Markdown paragraph or table cell: one
// line, markup characters backslash-escaped, HTML and the characters that
// make mentions (@), issue references (#) and autolinks (:) inert.
func mdText(s string) string {
	s = logsafe.Line(logsafe.Clip(s, 2000))
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '!', '|', '~', '+', '-', '=':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '@':
			b.WriteString("&#64;")
		case '#':
			b.WriteString("&#35;")
		case ':':
			b.WriteString("&#58;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode puts outside text in an inline code span: no markup inside one;
// the fence is longer than any run of backticks in the text, and the
// table's | is the one character that still needs its entity.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	s = logsafe.Line(logsafe.Clip(s, 2000))
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	s = strings.ReplaceAll(s, "|", "\\|")
	return fence + " " + s + " " + fence
}

// writeFence writes text in a fenced code block whose fence no line of it
// can close.
func writeFence(w io.Writer, lang, text string) {
	fence := strings.Repeat("`", max(3, longestRun(text, '`')+1))
	fmt.Fprintf(w, "%s%s\n", fence, lang)
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		fmt.Fprintln(w, logsafe.Line(l))
	}
	fmt.Fprintln(w, fence)
}

func longestRun(s string, c rune) int {
	best, n := 0, 0
	for _, r := range s {
		if r == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// maxMarkdownDiffLines bounds each diff in the Markdown report: an issue
// body holds at most 65,536 characters. The JSON report has them whole.
const maxMarkdownDiffLines = 150

// clipLines keeps the first n lines of text and says how many it left out.
func clipLines(text string, n int) string {
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) <= n+1 {
		return text
	}
	return strings.Join(lines[:n], "") + fmt.Sprintf("... %d more lines (see the JSON report)\n", len(lines)-n)
}
