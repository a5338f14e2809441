package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/logsafe"
)

// ValidateOptions are the inputs and dependencies of 'stagecrew validate'.
type ValidateOptions struct {
	IO     *IOStreams
	Env    Env
	Paths  []string
	Format string // "text" or "json"
	Strict bool   // dangling references are errors, not warnings
	// Exclude are --exclude patterns: files and folders left out of the
	// search (a pattern without "/" matches names, one with "/" paths
	// from the folder searched).
	Exclude []string
}

func validateCommand() *Command {
	c := &Command{
		Name:    "validate",
		Summary: "Check catalog files the way Backstage does, and stagecrew's annotations",
		Usage:   "validate [--format text|json|github] [--strict] [--exclude GLOB]... [PATH...|-]",
		Examples: `  # every catalog file in the repository
  stagecrew validate .

  # one file, machine-readable
  stagecrew validate --format json catalog-info.yaml

  # globs, and missing owners/systems are errors
  stagecrew validate --strict 'services/*/catalog-info.yaml'

  # standard input, leaving out a folder of examples
  cat catalog-info.yaml | stagecrew validate -
  stagecrew validate --exclude examples .

In folders, stagecrew reads catalog-info.yaml (and .yml) files, and other
YAML files with a Backstage apiVersion (backstage.io/..., scaffolder.
backstage.io/...); it skips testdata, node_modules, vendor, skeleton and
dot-folders but .backstage. Placeholders ($text, $json, $yaml) and
Location targets are read relative to their file; absolute URLs are not
fetched.

In GitHub Actions (GITHUB_ACTIONS=true) problems are also written as ::error
annotations, so they show on the pull request's diff (--format github writes
only those and the summary; --format json never mixes them into its output).`,
	}
	c.Run = func(ctx context.Context, streams *IOStreams, env Env, args []string) error {
		opts := &ValidateOptions{IO: streams, Env: env}
		fs := newFlagSet(c, streams)
		reportFormatFlag(fs, &opts.Format)
		fs.BoolVar(&opts.Strict, "strict", false, "treat references to entities not in the given files as errors")
		excludeFlag(fs, &opts.Exclude)
		paths, err := parseFlags(c, streams, fs, args)
		if err != nil {
			return err
		}
		opts.Paths = pathsOrDot(paths)
		return ValidateRun(ctx, opts)
	}
	return c
}

// Finding is one problem reported by validate.
type Finding struct {
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Entity   string `json:"entity,omitempty"`
	Field    string `json:"field,omitempty"`
	Severity string `json:"severity"` // "error" or "warning"
	Message  string `json:"message"`
	Rule     string `json:"rule,omitempty"` // the check's stable ID, where it has one (asl validate)
}

// ValidateReport is what validate found; it is the JSON output.
type ValidateReport struct {
	Files    int `json:"files"`
	Entities int `json:"entities"`
	Valid    int `json:"valid"`
	Invalid  int `json:"invalid"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	// Duplicates counts entities defined a second time, FileErrors the
	// files that could not be read or whose YAML stopped being readable
	// part way: both are errors beside the invalid entities.
	Duplicates int `json:"duplicates,omitempty"`
	FileErrors int `json:"fileErrors,omitempty"`
	// Unfetched counts placeholders with absolute URLs, which validate
	// does not fetch.
	Unfetched int       `json:"unfetched,omitempty"`
	Findings  []Finding `json:"findings"`
	// Omitted counts the findings (in Errors and Warnings) not listed:
	// past 1,000 in one file or 10,000 in all.
	Omitted int `json:"omitted,omitempty"`
}

// ValidateRun validates every entity under opts.Paths.
func ValidateRun(ctx context.Context, opts *ValidateOptions) error {
	set, err := discover(ctx, opts.Paths, discoverOptions{exclude: opts.Exclude, stdin: opts.IO.In})
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	defer set.Close()
	results, err := decodeAll(ctx, set.files)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if err := nothingToCheck(opts.Paths, set.files, results, "catalog file"); err != nil {
		return err
	}
	rep, parts := buildReportParts(results, opts.Strict)
	if opts.Format != "text" || wantAnnotations(opts.Format, opts.Env) {
		rep.Findings, parts = joinFindings(parts), nil
	}
	if err := writeReport(opts, rep, parts); err != nil {
		return err
	}
	if rep.Errors > 0 {
		return &ExitError{Code: ExitInvalid}
	}
	return nil
}

// fileResult is what one file contributed: its findings and a compact
// summary of each valid entity for the checks across files. Entities
// themselves are dropped as soon as their file is checked, so memory stays
// flat however many files there are.
type fileResult struct {
	counted  bool // a catalog file (named, or found holding entities)
	findings []Finding
	entities []entitySummary
	valid    int
	invalid  int
	fileErr  bool // unreadable, or a YAML error that ends the file
	// unfetched counts placeholders with absolute URLs.
	unfetched int
	// Findings past maxFileFindings are counted, not kept.
	omittedErrors, omittedWarnings int
	// specRefs is summarize's scratch, reused from entity to entity
	// (cleared after each: it keeps no entity's strings).
	specRefs []catalog.SpecRef
}

// Caps that keep memory and output in proportion however hostile the
// files: findings kept for one file and for the whole run (the rest are
// counted and summarised), and the characters of one finding's values.
const (
	maxFileFindings = 1000
	maxFindings     = 10_000
	maxValueLen     = 300
)

// add keeps f, clipped, or counts it once the file has maxFileFindings.
func (r *fileResult) add(f Finding) {
	if len(r.findings) >= maxFileFindings {
		if f.Severity == "error" {
			r.omittedErrors++
		} else {
			r.omittedWarnings++
		}
		return
	}
	r.findings = append(r.findings, clipFinding(f))
}

// clipFinding cuts the values of f that come from the files.
func clipFinding(f Finding) Finding {
	f.Entity = logsafe.Clip(f.Entity, maxValueLen)
	f.Field = logsafe.Clip(f.Field, maxValueLen)
	f.Message = logsafe.Clip(f.Message, 3*maxValueLen)
	return f
}

type entitySummary struct {
	key  string // canonical ref (Ref.Key, which Ref.String is too): duplicates, lookups, messages
	name string // compact form, for messages
	file string
	line int
	refs []refUse
}

// refUse is one reference from a spec field to another entity; it stands
// in the entity's file.
type refUse struct {
	field        string
	line, column int
	key          string // canonical ref of the target (its Ref.String too)
}

// decodeAll reads and decodes the files on all cores; results keep the
// files' order.
func decodeAll(ctx context.Context, files []catalogFile) ([]fileResult, error) {
	results := make([]fileResult, len(files))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(files)))
	refs := newRefCache()
	next := make(chan int)
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := checkFileShared(files[i], refs)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
				results[i] = r
			}
		}()
	}
	for i := range files {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return results, ctx.Err()
}

// checkFile reads, decodes and validates one file, one document at a time.
// A file that cannot be read is a finding, not an error.
func checkFile(f catalogFile) (fileResult, error) { return checkFileShared(f, nil) }

// checkFileShared is checkFile reading placeholders and Location targets
// through refs, shared by the files of one run (nil: per file).
func checkFileShared(f catalogFile, refs *refCache) (fileResult, error) {
	var r fileResult
	data, err := f.readString()
	if err != nil {
		r.counted = true
		uf := unreadableFinding(f, err)
		r.fileErr = uf.Severity == "error"
		r.add(uf)
		return r, nil
	}
	if !f.explicit && !looksLikeCatalog(data) {
		return r, nil // a workflow, a Kubernetes manifest: not ours to judge
	}
	r.counted = true
	read := refs.reader(f)
	// Most files hold no placeholder: then only Locations need Resolve.
	placeholders := strings.Contains(data, "$text") || strings.Contains(data, "$json") || strings.Contains(data, "$yaml")
	// Nothing below keeps a Document past the callback: Transient lets
	// the decoder reuse the parsed YAML's memory.
	fileErr := catalog.DecodeEachString(f.path, data, catalog.DecodeOptions{Transient: true}, func(d catalog.Document) bool {
		if d.Err != nil {
			r.invalid++
			r.add(decodeFinding(d.Err))
			return true
		}
		e := d.Entity
		invalid := false
		// What the catalog does before validating: placeholders read,
		// Location targets checked.
		var res catalog.Resolution
		if placeholders || e.Kind == catalog.KindLocation {
			res = catalog.Resolve(e, read)
		}
		r.unfetched += len(res.Unfetched)
		for _, p := range res.Problems {
			invalid = true
			r.add(Finding{File: p.File, Line: p.Line, Column: p.Column,
				Entity: entityName(e), Field: p.Field, Severity: "error", Message: p.Message})
		}
		for _, err := range []error{catalog.Validate(e), annotationsError(e)} {
			var ve *catalog.ValidationError
			if errors.As(err, &ve) {
				invalid = true
				for _, p := range ve.Problems {
					r.add(Finding{File: p.File, Line: p.Line, Column: p.Column,
						Entity: entityName(e), Field: p.Field, Severity: "error", Message: p.Message})
				}
			}
		}
		if invalid {
			r.invalid++
			return true
		}
		r.valid++
		r.entities = append(r.entities, summarize(e, &r))
		return true
	})
	if fileErr != nil {
		r.fileErr = true
		r.add(decodeFinding(fileErr))
	}
	if r.valid+r.invalid == 0 && len(r.findings) == 0 {
		r.counted = false // no document at all: nothing was checked
	}
	return r, nil
}

// nothingToCheck is the usage error for a path on the command line under
// which nothing was found to check (what names the kind of file looked for).
func nothingToCheck(paths []string, files []catalogFile, results []fileResult, what string) error {
	found := make([]bool, len(paths))
	for i, f := range files {
		if results[i].counted {
			found[f.arg] = true
		}
	}
	for i, p := range paths {
		if !found[i] {
			name := p
			if p == stdinName {
				name = "standard input"
			}
			return usageErrorf("%s: no %s to check (in folders: catalog-info.yaml, and YAML files with a Backstage apiVersion)", name, what)
		}
	}
	return nil
}

// summarize keeps what the checks across files need from a valid entity;
// references the catalog cannot parse are reported at once (the catalog
// refuses the entity for them).
func summarize(e *catalog.Entity, r *fileResult) entitySummary {
	sum := entitySummary{file: e.Source.File, line: e.Source.Line}
	refs, problems := catalog.AppendSpecRefs(r.specRefs[:0], e)
	// The entity's name (entityName) and key and its references' keys
	// are built into one string and cut from it: one allocation for all
	// of them.
	ref := e.Ref()
	size := 2 * (len(ref.Kind) + len(ref.Namespace) + len(ref.Name) + 2)
	for _, u := range refs {
		size += len(u.Target.Kind) + len(u.Target.Namespace) + len(u.Target.Name) + 2
	}
	var parts strings.Builder
	parts.Grow(size)
	var scratch [128]byte
	if e.Kind != "" && e.Metadata.Name != "" { // as entityName
		parts.Write(ref.AppendCompact(scratch[:0]))
	}
	ends := make([]int, 0, 8)
	ends = append(ends, parts.Len())
	parts.Write(ref.AppendKey(scratch[:0]))
	ends = append(ends, parts.Len())
	for _, u := range refs {
		parts.Write(u.Target.AppendKey(scratch[:0]))
		ends = append(ends, parts.Len())
	}
	all := parts.String()
	sum.name, sum.key = all[:ends[0]], all[ends[0]:ends[1]]
	for _, p := range problems {
		r.add(Finding{File: p.File, Line: p.Line, Column: p.Column, Entity: sum.name,
			Field: p.Field, Severity: "error", Message: p.Message})
	}
	if len(refs) > 0 {
		sum.refs = make([]refUse, len(refs))
		for i, u := range refs {
			// u.Position.File is the entity's file (sum.file).
			sum.refs[i] = refUse{field: u.Field, line: u.Position.Line, column: u.Position.Column, key: all[ends[i+1]:ends[i+2]]}
		}
	}
	clear(refs)
	r.specRefs = refs
	return sum
}

// annotationsError checks the annotations stagecrew reads.
func annotationsError(e *catalog.Entity) error {
	return annotations.Check(e)
}

func entityName(e *catalog.Entity) string {
	if e.Kind == "" || e.Metadata.Name == "" {
		return ""
	}
	return e.Ref().Compact()
}

func decodeFinding(err error) Finding {
	var de *catalog.DecodeError
	if errors.As(err, &de) {
		return Finding{File: de.File, Line: de.Line, Column: de.Column, Severity: "error", Message: de.Msg}
	}
	return Finding{Severity: "error", Message: err.Error()}
}

// writeReport writes rep in opts.Format; parts, when not nil, are the
// findings for text output (rep.Findings not joined).
func writeReport(opts *ValidateOptions, rep *ValidateReport, parts [][]Finding) error {
	if parts == nil {
		parts = [][]Finding{rep.Findings}
	}
	// Thousands of findings: one write call each would dominate the run.
	w := bufio.NewWriter(opts.IO.Out)
	streams := *opts.IO
	streams.Out = w
	if wantAnnotations(opts.Format, opts.Env) {
		writeAnnotations(&streams, opts.Env, rep.Findings, "stagecrew validate")
	}
	switch opts.Format {
	case "json":
		if err := writeJSON(w, rep); err != nil {
			return err
		}
	case "github":
		writeSummary(w, rep)
	default:
		writeText(w, rep, parts)
	}
	return w.Flush()
}

// wantAnnotations: workflow commands are written with --format github,
// and in GitHub Actions (GITHUB_ACTIONS=true) beside the text report. With
// --format json stdout holds the JSON alone, and stderr is for people
// (and never carries workflow commands), so there are none.
func wantAnnotations(format string, env Env) bool {
	return format == "github" || (format == "text" && env("GITHUB_ACTIONS") == "true")
}

// writeAnnotations writes findings as GitHub workflow commands (::error and
// ::warning with file, line and col), escaped by go-githubactions, so they
// show on the pull request's diff.
func writeAnnotations(streams *IOStreams, env Env, findings []Finding, title string) {
	gha := githubactions.New(githubactions.WithWriter(streams.Out), githubactions.WithGetenv(githubactions.GetenvFunc(env)))
	workspace := env("GITHUB_WORKSPACE")
	for _, f := range findings {
		// go-githubactions escapes line breaks, "%", ":" and ","; logsafe
		// the rest (ESC, bidi overrides, other controls).
		fields := map[string]string{"file": logsafe.Line(workspaceRelative(workspace, f.File)), "title": title}
		if f.Line > 0 {
			fields["line"] = fmt.Sprint(f.Line)
		}
		if f.Column > 0 {
			fields["col"] = fmt.Sprint(f.Column)
		}
		msg := f.Message
		if f.Field != "" {
			msg = f.Field + ": " + msg
		}
		msg = logsafe.Line(msg)
		a := gha.WithFieldsMap(fields)
		if f.Severity == "error" {
			a.Errorf("%s", msg)
		} else {
			a.Warningf("%s", msg)
		}
	}
}

// workspaceRelative makes a path relative to the workflow's checkout, which
// is how GitHub matches annotations to the files of a pull request.
func workspaceRelative(workspace, path string) string {
	if workspace == "" {
		return filepath.ToSlash(filepath.Clean(path))
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	rel, err := filepath.Rel(workspace, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return path
	}
	return filepath.ToSlash(rel)
}

// writeJSON writes v as indented JSON, with logsafe.JSON keeping any
// string in it from acting as a workflow command.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(logsafe.JSON(b), '\n'))
	return err
}

func writeText(w io.Writer, rep *ValidateReport, parts [][]Finding) {
	writeFindings(w, parts)
	writeSummary(w, rep)
}

// writeSummary writes what the caps left out and the summary line.
func writeSummary(w io.Writer, rep *ValidateReport) {
	writeOmitted(w, rep.Omitted)
	mark := "✓"
	if rep.Errors > 0 {
		mark = "✗"
	}
	// Every kind of error is counted where it shows, so a failed run never
	// reads "0 invalid" and nothing else.
	failed := fmt.Sprintf("%d invalid", rep.Invalid)
	if rep.Duplicates > 0 {
		failed += fmt.Sprintf(", %d defined twice", rep.Duplicates)
	}
	if rep.FileErrors > 0 {
		failed += fmt.Sprintf(", %d %s not read to the end", rep.FileErrors, plural(rep.FileErrors, "file", "files"))
	}
	fmt.Fprintf(w, "%s %d %s in %d %s: %d valid, %s; %d %s, %d %s\n", mark,
		rep.Entities, plural(rep.Entities, "entity", "entities"),
		rep.Files, plural(rep.Files, "file", "files"), rep.Valid, failed,
		rep.Errors, plural(rep.Errors, "error", "errors"), rep.Warnings, plural(rep.Warnings, "warning", "warnings"))
	if rep.Unfetched > 0 {
		fmt.Fprintf(w, "  (%d %s with an absolute URL not fetched: taken as valid)\n", rep.Unfetched, plural(rep.Unfetched, "placeholder", "placeholders"))
	}
}

// writeFinding writes one finding as file:line:col: severity: field: message.
// Every value in it comes from the files, so all of it goes through
// logsafe.
func writeFinding(w io.Writer, f Finding) {
	line, _ := appendFinding(nil, nil, &f)
	w.Write(line) //nolint:errcheck // as fmt.Fprint: the callers' writers keep errors
}

// writeOmitted says how many findings the caps left out.
func writeOmitted(w io.Writer, n int) {
	if n > 0 {
		fmt.Fprintf(w, "… %d more %s not listed (at most %d a file and %d in all are)\n", n, plural(n, "finding", "findings"), maxFileFindings, maxFindings)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
