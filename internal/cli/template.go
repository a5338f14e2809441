package cli

import (
	"context"
	"fmt"

	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/scaffolder"
)

// TemplateLintOptions are the inputs and dependencies of 'stagecrew template lint'.
type TemplateLintOptions struct {
	IO      *IOStreams
	Env     Env
	Paths   []string
	Format  string
	Exclude []string // --exclude patterns, as validate's
}

func templateLintCommand() *Command {
	c := &Command{
		Name:    "template lint",
		Summary: "Check Backstage software templates beyond their schema",
		Usage:   "template lint [--format text|json|github] [--exclude GLOB]... [PATH...|-]",
		Examples: `  # every template under templates/
  stagecrew template lint templates/

  # anyone's template, machine-readable
  stagecrew template lint --format json template.yaml

Checks the Template v1beta3 schema, then: every ${{ parameters.x }} is declared,
every ${{ steps.id.output }} names an earlier step, step ids are unique,
required names existing properties, and every ${{ }} expression parses in
nunjitsu 0.6.2, the engine Backstage's scaffolder (4.2) renders with: it has
no "!", "||" or "&&" (write not, or, and) and no "a.0" (write a[0]).
A path under which no Template is found is a usage error (exit 2).`,
	}
	c.Run = func(ctx context.Context, streams *IOStreams, env Env, args []string) error {
		opts := &TemplateLintOptions{IO: streams, Env: env}
		fs := newFlagSet(c, streams)
		reportFormatFlag(fs, &opts.Format)
		excludeFlag(fs, &opts.Exclude)
		paths, err := parseFlags(c, streams, fs, args)
		if err != nil {
			return err
		}
		opts.Paths = pathsOrDot(paths)
		return TemplateLintRun(ctx, opts)
	}
	return c
}

// TemplateLintRun lints the templates under opts.Paths.
func TemplateLintRun(ctx context.Context, opts *TemplateLintOptions) error {
	set, err := discover(ctx, opts.Paths, discoverOptions{exclude: opts.Exclude, stdin: opts.IO.In})
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	defer set.Close()
	rep := &ValidateReport{Findings: []Finding{}}
	linted := make([]bool, len(opts.Paths)) // a Template (or a problem) under each path
	for _, f := range set.files {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		data, err := f.read()
		if err != nil {
			rep.Files++
			linted[f.arg] = true
			rep.Findings = append(rep.Findings, unreadableFinding(f, err))
			continue
		}
		if !f.explicit && !looksLikeCatalog(string(data)) {
			continue
		}
		// scaffolder.Lint, one document at a time: memory follows the
		// largest document, not the file.
		var found []Finding
		n := 0
		keep := func(f Finding) {
			if len(found) < maxFileFindings {
				found = append(found, clipFinding(f))
			} else {
				rep.Omitted++
			}
		}
		fileErr := catalog.DecodeEach(f.path, data, catalog.DecodeOptions{}, func(d catalog.Document) bool {
			switch {
			case d.Err != nil:
				keep(decodeFinding(d.Err))
			case d.Entity.Kind == catalog.KindTemplate:
				n++
				for _, p := range scaffolder.LintEntity(d.Entity) {
					keep(problemFinding(p))
				}
			}
			return true
		})
		if fileErr != nil {
			keep(decodeFinding(fileErr))
		}
		if n == 0 && len(found) == 0 {
			continue
		}
		linted[f.arg] = true
		rep.Files++
		rep.Entities += n
		for _, f := range found {
			if len(rep.Findings) == maxFindings {
				rep.Omitted++
				continue
			}
			rep.Findings = append(rep.Findings, f)
		}
	}
	for _, f := range rep.Findings {
		if f.Severity == "error" {
			rep.Errors++
		} else {
			rep.Warnings++
		}
	}
	rep.Errors += rep.Omitted
	for i, p := range opts.Paths {
		if !linted[i] {
			if p == stdinName {
				p = "standard input"
			}
			return usageErrorf("%s: no Template (kind: Template, apiVersion: scaffolder.backstage.io/v1beta3) to lint", p)
		}
	}
	if wantAnnotations(opts.Format, opts.Env) {
		writeAnnotations(opts.IO, opts.Env, rep.Findings, "stagecrew template lint")
	}
	if opts.Format == "json" {
		if err := writeJSON(opts.IO.Out, rep); err != nil {
			return err
		}
	} else {
		if opts.Format != "github" {
			for _, f := range rep.Findings {
				writeFinding(opts.IO.Out, f)
			}
		}
		writeOmitted(opts.IO.Out, rep.Omitted)
		mark := "✓"
		if rep.Errors > 0 {
			mark = "✗"
		}
		fmt.Fprintf(opts.IO.Out, "%s %d %s in %d %s; %d %s\n", mark, rep.Entities, plural(rep.Entities, "template", "templates"),
			rep.Files, plural(rep.Files, "file", "files"), rep.Errors, plural(rep.Errors, "problem", "problems"))
	}
	if rep.Errors > 0 {
		return &ExitError{Code: ExitInvalid}
	}
	return nil
}

func problemFinding(p catalog.Problem) Finding {
	return Finding{File: p.File, Line: p.Line, Column: p.Column, Field: p.Field, Severity: "error", Message: p.Message}
}
