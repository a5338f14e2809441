package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// ValidateOptions are the inputs and dependencies of 'stagecrew validate'.
type ValidateOptions struct {
	IO     *IOStreams
	Env    Env
	Paths  []string
	Format string // "text" or "json"
	Strict bool   // dangling references are errors, not warnings
}

func validateCommand() *Command {
	c := &Command{
		Name:    "validate",
		Summary: "Check catalog files the way Backstage does, and stagecrew's annotations",
		Usage:   "validate [--format text|json] [--strict] [PATH...]",
		Examples: `  # every catalog file in the repository
  stagecrew validate .

  # one file, machine-readable
  stagecrew validate --format json catalog-info.yaml

  # globs, and missing owners/systems are errors
  stagecrew validate --strict 'services/*/catalog-info.yaml'

In GitHub Actions (GITHUB_ACTIONS=true) problems are also written as ::error
annotations, so they show on the pull request's diff.`,
	}
	c.Run = func(ctx context.Context, streams *IOStreams, env Env, args []string) error {
		opts := &ValidateOptions{IO: streams, Env: env}
		fs := newFlagSet(c, streams)
		formatFlag(fs, &opts.Format)
		fs.BoolVar(&opts.Strict, "strict", false, "treat references to entities not in the given files as errors")
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
}

// ValidateReport is what validate found; it is the JSON output.
type ValidateReport struct {
	Files    int       `json:"files"`
	Entities int       `json:"entities"`
	Valid    int       `json:"valid"`
	Invalid  int       `json:"invalid"`
	Errors   int       `json:"errors"`
	Warnings int       `json:"warnings"`
	Findings []Finding `json:"findings"`
}

// ValidateRun validates every entity under opts.Paths.
func ValidateRun(ctx context.Context, opts *ValidateOptions) error {
	files, err := collectFiles(opts.Paths)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	results, err := decodeAll(ctx, files)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	rep := buildReport(results, opts.Strict)
	if err := writeReport(opts, rep); err != nil {
		return err
	}
	if rep.Errors > 0 {
		return &ExitError{Code: ExitInvalid}
	}
	return nil
}

// catalogFile is one file named on the command line or found in a folder.
type catalogFile struct {
	path     string
	explicit bool // named directly: read it even if it holds no entity
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
}

type entitySummary struct {
	key  string // canonical ref, for duplicates and lookups
	ref  string
	name string // compact form, for messages
	file string
	line int
	refs []refUse
}

// refUse is one reference from a spec field to another entity.
type refUse struct {
	field string
	pos   catalog.Position
	key   string // canonical ref of the target
	ref   string
}

// skipDirs are never searched: dependencies, and "skeleton" folders, which by
// Backstage convention hold templated files that are not YAML until rendered.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true, ".terraform": true, "skeleton": true}

func collectFiles(paths []string) ([]catalogFile, error) {
	var out []catalogFile
	seen := map[string]bool{}
	addFile := func(p string, explicit bool) {
		if !seen[p] {
			seen[p] = true
			out = append(out, catalogFile{path: p, explicit: explicit})
		}
	}
	for _, p := range paths {
		matches := []string{p}
		if strings.ContainsAny(p, "*?[") {
			m, err := filepath.Glob(p)
			if err != nil {
				return nil, fmt.Errorf("bad pattern %q: %w", p, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("%s: no file matches", p)
			}
			matches = m
		}
		for _, m := range matches {
			info, err := os.Stat(m)
			if err != nil {
				return nil, fmt.Errorf("cannot read %s: %w", m, errors.Unwrap(err))
			}
			if !info.IsDir() {
				addFile(m, true)
				continue
			}
			err = filepath.WalkDir(m, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() {
					if path != m && (skipDirs[d.Name()] || strings.HasPrefix(d.Name(), ".")) {
						return filepath.SkipDir
					}
					return nil
				}
				if ext := filepath.Ext(path); ext == ".yaml" || ext == ".yml" {
					addFile(path, d.Name() == "catalog-info.yaml")
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("cannot read %s: %w", m, err)
			}
		}
	}
	return out, nil
}

// decodeAll reads and decodes the files on all cores; results keep the
// files' order.
func decodeAll(ctx context.Context, files []catalogFile) ([]fileResult, error) {
	results := make([]fileResult, len(files))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(files)))
	next := make(chan int)
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := checkFile(files[i])
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

// checkFile reads, decodes and validates one file.
func checkFile(f catalogFile) (fileResult, error) {
	var r fileResult
	data, err := os.ReadFile(f.path)
	if err != nil {
		return r, fmt.Errorf("cannot read %s: %w", f.path, errors.Unwrap(err))
	}
	if !f.explicit && !looksLikeCatalog(data) {
		return r, nil // a workflow, a config file: not ours to judge
	}
	r.counted = true
	docs, fileErr := catalog.Decode(f.path, data, catalog.DecodeOptions{})
	for _, d := range docs {
		if d.Err != nil {
			r.invalid++
			r.findings = append(r.findings, decodeFinding(d.Err))
			continue
		}
		e := d.Entity
		invalid := false
		for _, err := range []error{catalog.Validate(e), annotationsError(e)} {
			var ve *catalog.ValidationError
			if errors.As(err, &ve) {
				invalid = true
				for _, p := range ve.Problems {
					r.findings = append(r.findings, Finding{File: p.File, Line: p.Line, Column: p.Column,
						Entity: entityName(e), Field: p.Field, Severity: "error", Message: p.Message})
				}
			}
		}
		if invalid {
			r.invalid++
			continue
		}
		r.valid++
		r.entities = append(r.entities, summarize(e, &r.findings))
	}
	if fileErr != nil {
		r.findings = append(r.findings, decodeFinding(fileErr))
	}
	return r, nil
}

// summarize keeps what the checks across files need from a valid entity;
// malformed references are reported at once.
func summarize(e *catalog.Entity, findings *[]Finding) entitySummary {
	ref := e.Ref()
	sum := entitySummary{key: ref.Key(), ref: ref.String(), name: entityName(e), file: e.Source.File, line: e.Source.Line}
	for _, rf := range refFields {
		raw, ok := e.Spec[rf.field]
		if !ok {
			continue
		}
		values := []any{raw}
		if rf.list {
			values, _ = raw.([]any)
		}
		for i, v := range values {
			s, _ := v.(string)
			if s == "" {
				continue
			}
			path := []string{"spec", rf.field}
			if rf.list {
				path = append(path, fmt.Sprint(i))
			}
			target, err := catalog.ParseRef(s, rf.defaultKind, e.Metadata.Namespace)
			pos := e.Position(path...)
			if err != nil {
				*findings = append(*findings, Finding{File: pos.File, Line: pos.Line, Column: pos.Column, Entity: sum.name,
					Field: strings.Join(path, "."), Severity: "error", Message: err.Error()})
				continue
			}
			sum.refs = append(sum.refs, refUse{field: strings.Join(path, "."), pos: pos, key: target.Key(), ref: target.String()})
		}
	}
	return sum
}

// looksLikeCatalog is the cheap test for YAML files found in folders: does
// it have root-level apiVersion and kind keys?
func looksLikeCatalog(data []byte) bool {
	s := string(data)
	return (strings.HasPrefix(s, "apiVersion:") || strings.Contains(s, "\napiVersion:")) &&
		(strings.HasPrefix(s, "kind:") || strings.Contains(s, "\nkind:"))
}

// refFields are the spec fields that point at other entities, with the kind
// a bare name defaults to (as Backstage's relation processors default them).
var refFields = []struct {
	field, defaultKind string
	list               bool
}{
	{"owner", "Group", false}, {"system", "System", false}, {"domain", "Domain", false},
	{"subcomponentOf", "Component", false}, {"subdomainOf", "Domain", false}, {"parent", "Group", false},
	{"providesApis", "API", true}, {"consumesApis", "API", true}, {"dependsOn", "", true},
	{"memberOf", "Group", true}, {"children", "Group", true},
}

func buildReport(results []fileResult, strict bool) *ValidateReport {
	rep := &ValidateReport{Findings: []Finding{}}
	known := map[string]*entitySummary{}
	var unique []*entitySummary
	for _, r := range results {
		if !r.counted {
			continue
		}
		rep.Files++
		rep.Valid += r.valid
		rep.Invalid += r.invalid
		rep.Findings = append(rep.Findings, r.findings...)
		for i := range r.entities {
			e := &r.entities[i]
			if prev, dup := known[e.key]; dup {
				rep.Findings = append(rep.Findings, Finding{File: e.file, Line: e.line, Entity: e.name, Severity: "error",
					Message: fmt.Sprintf("%s is defined twice; first at %s:%d", e.ref, prev.file, prev.line)})
				continue
			}
			known[e.key] = e
			unique = append(unique, e)
		}
	}
	rep.Entities = rep.Valid + rep.Invalid
	severity := "warning"
	if strict {
		severity = "error"
	}
	for _, e := range unique {
		for _, u := range e.refs {
			if known[u.key] == nil {
				rep.Findings = append(rep.Findings, Finding{File: u.pos.File, Line: u.pos.Line, Column: u.pos.Column, Entity: e.name,
					Field: u.field, Severity: severity, Message: fmt.Sprintf("points to %s, which is not in the files given", u.ref)})
			}
		}
	}
	sort.SliceStable(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	for _, f := range rep.Findings {
		if f.Severity == "error" {
			rep.Errors++
		} else {
			rep.Warnings++
		}
	}
	return rep
}

// annotationsError checks the annotations stagecrew reads.
func annotationsError(e *catalog.Entity) error {
	_, err := annotations.Read(e)
	return err
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

func writeReport(opts *ValidateOptions, rep *ValidateReport) error {
	// Thousands of findings: one write call each would dominate the run.
	w := bufio.NewWriter(opts.IO.Out)
	streams := *opts.IO
	streams.Out = w
	if opts.Env("GITHUB_ACTIONS") == "true" {
		writeAnnotations(&streams, opts.Env, rep.Findings, "stagecrew validate")
	}
	if opts.Format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		writeText(w, rep)
	}
	return w.Flush()
}

// writeAnnotations writes findings as GitHub workflow commands (::error and
// ::warning with file, line and col), escaped by go-githubactions, so they
// show on the pull request's diff.
func writeAnnotations(streams *IOStreams, env Env, findings []Finding, title string) {
	gha := githubactions.New(githubactions.WithWriter(streams.Out), githubactions.WithGetenv(githubactions.GetenvFunc(env)))
	workspace := env("GITHUB_WORKSPACE")
	for _, f := range findings {
		fields := map[string]string{"file": workspaceRelative(workspace, f.File), "title": title}
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

func writeText(w io.Writer, rep *ValidateReport) {
	for _, f := range rep.Findings {
		writeFinding(w, f)
	}
	mark := "✓"
	if rep.Errors > 0 {
		mark = "✗"
	}
	fmt.Fprintf(w, "%s %d %s in %d %s: %d valid, %d invalid; %d %s, %d %s\n", mark,
		rep.Entities, plural(rep.Entities, "entity", "entities"),
		rep.Files, plural(rep.Files, "file", "files"), rep.Valid, rep.Invalid,
		rep.Errors, plural(rep.Errors, "error", "errors"), rep.Warnings, plural(rep.Warnings, "warning", "warnings"))
}

// writeFinding writes one finding as file:line:col: severity: field: message.
func writeFinding(w io.Writer, f Finding) {
	pos := catalog.Position{File: f.File, Line: f.Line, Column: f.Column}.String()
	what := f.Message
	if f.Field != "" {
		what = f.Field + ": " + what
	}
	if f.Entity != "" {
		what += " (" + f.Entity + ")"
	}
	fmt.Fprintf(w, "%s: %s: %s\n", pos, f.Severity, what)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
