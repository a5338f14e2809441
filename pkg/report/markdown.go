// Package report turns a run's result.Result into what people read: the
// Markdown of a job summary or pull request comment, and the text of a
// Backstage notification. Every string that came from outside (state names,
// error causes, entity names, AWS messages) is escaped, so it cannot inject
// Markdown, HTML or mentions. GitHub publishes the result to a pull
// request: a sticky comment and a check run.
package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/stagecrew/stagecrew/pkg/result"
)

// Values of a result shown as blocks after the table: the validation
// findings of a state machine definition (one a line) and the unified diff
// between the definition an environment runs and the repository's.
const (
	ValueDefinitionFindings = "definition-findings"
	ValueDefinitionDiff     = "definition-diff"
)

var blockValues = map[string]bool{ValueDefinitionFindings: true, ValueDefinitionDiff: true}

// Marker starts every comment stagecrew writes, so a later run finds and
// updates its own sticky comment instead of adding another.
func Marker(entity, environment string) string {
	return fmt.Sprintf("<!-- stagecrew:%s:%s -->", escapeComment(entity), escapeComment(environment))
}

func escapeComment(s string) string {
	return strings.NewReplacer("--", "- -", ">", "&gt;", "<", "&lt;").Replace(s)
}

// Text escapes s for use as inline Markdown text: Markdown punctuation is
// backslash-escaped, HTML is entity-escaped, "@" cannot mention anyone, and
// line breaks become spaces.
func Text(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '+', '-', '.', '!', '|', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '@':
			b.WriteString("@\u200b") // a zero-width space stops the mention
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			if r < 0x20 {
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Code renders s as a fenced code block whose fence is longer than any run of
// backticks inside, so the content cannot close it.
func Code(lang, s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", max(3, longest+1))
	return fence + lang + "\n" + strings.TrimRight(s, "\n") + "\n" + fence + "\n"
}

// safeURL returns u when it is an http(s) URL without characters that could
// break out of a Markdown link, and "" otherwise.
func safeURL(u string) string {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return ""
	}
	if strings.ContainsAny(u, " <>\"'()\n\r\t`") {
		return ""
	}
	return u
}

var icons = map[result.Status]string{
	result.Succeeded: "✅", result.Failed: "❌", result.TimedOut: "⏱️", result.Aborted: "🛑",
	result.Cancelled: "🚫", result.WaitTimeout: "⏳", result.Denied: "⛔", result.Running: "🔄",
}

// Title is a one-line summary, such as "✅ orders deployed to production".
func Title(r *result.Result) string {
	verb := map[result.Kind]string{
		result.StepFunctionsExecution: "execution",
		result.ECSDeployment:          "deployment",
		result.ECSTask:                "task",
		result.StepFunctionsDeploy:    "definition",
	}[r.Target.Kind]
	if verb == "" {
		verb = "run"
	}
	return fmt.Sprintf("%s %s %s in %s: %s", icons[r.Status], r.Target.Name, verb, r.Target.Environment, strings.ReplaceAll(string(r.Status), "_", " "))
}

// Markdown renders a result for a job summary or pull request comment.
func Markdown(r *result.Result, now time.Time) string {
	var b strings.Builder
	b.WriteString(Marker(r.Target.Entity, r.Target.Environment) + "\n")
	fmt.Fprintf(&b, "### %s\n\n", Text(Title(r)))
	b.WriteString("| | |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", k, v)
		}
	}
	row("Entity", "`"+strings.ReplaceAll(r.Target.Entity, "`", "'")+"`")
	row("Environment", Text(r.Target.Environment))
	row("Status", icons[r.Status]+" "+Text(string(r.Status)))
	if r.Attached {
		row("Started", "attached to the run started earlier (a re-run did not start another)")
	}
	if d := r.Duration(now); d > 0 {
		row("Duration", d.Round(time.Second).String())
	}
	if r.Audit.Requester != "" {
		row("Requested by", "`"+strings.ReplaceAll(r.Audit.Requester, "`", "'")+"` in Backstage")
		row("Dispatched by", Text(r.Audit.Actor))
	} else {
		row("Actor", Text(r.Audit.Actor))
	}
	row("Role", Text(r.Audit.RoleARN))
	for _, l := range r.Links {
		if u := safeURL(l.URL); u != "" {
			row(Text(l.Title), fmt.Sprintf("[open](%s)", u))
		}
	}
	keys := make([]string, 0, len(r.Values))
	for k := range r.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !blockValues[k] {
			row(Text(k), Text(r.Values[k]))
		}
	}
	// A definition deploy's findings and diff are blocks, not table cells.
	if f := r.Values[ValueDefinitionFindings]; f != "" {
		b.WriteString("\n**Definition findings**\n\n" + Code("", f))
	}
	if d := r.Values[ValueDefinitionDiff]; d != "" {
		b.WriteString("\n**Definition changes** (what the environment runs → the repository's definition after substitution)\n\n" + Code("diff", d))
	}
	if f := r.Failure; f != nil {
		b.WriteString("\n**What failed**\n\n")
		if f.Where != "" {
			fmt.Fprintf(&b, "- where: %s\n", Text(f.Where))
		}
		if f.Error != "" {
			fmt.Fprintf(&b, "- error: %s\n", Text(f.Error))
		}
		if len(f.Exits) > 0 {
			names := make([]string, 0, len(f.Exits))
			for n := range f.Exits {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				fmt.Fprintf(&b, "- container %s exited with %d\n", Text(n), f.Exits[n])
			}
		}
		for _, d := range f.Details {
			fmt.Fprintf(&b, "- %s\n", Text(d))
		}
		if f.Cause != "" {
			b.WriteString("\n" + Code("", f.Cause))
		}
	}
	if r.Output != "" {
		b.WriteString("\n<details><summary>Output</summary>\n\n" + Code("json", r.Output))
		if r.Truncated {
			fmt.Fprintf(&b, "\n(cut at %d bytes)\n", result.MaxOutput)
		}
		b.WriteString("\n</details>\n")
	}
	return b.String()
}
