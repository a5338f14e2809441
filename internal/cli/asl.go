package cli

import (
	"bufio"
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/stagecrew/stagecrew/pkg/asl"
)

// ASLValidateOptions are the inputs and dependencies of 'stagecrew asl validate'.
type ASLValidateOptions struct {
	IO      *IOStreams
	Env     Env
	Paths   []string // files, folders, globs, or "-" for standard input
	Format  string   // "text", "json" or "github"
	Exclude []string // --exclude patterns, as validate's
	Express bool     // the definitions are of EXPRESS state machines
}

func aslValidateCommand() *Command {
	c := &Command{
		Name:    "asl validate",
		Summary: "Check Step Functions definitions (Amazon States Language, JSONPath and JSONata)",
		Usage:   "asl validate [--format text|json|github] [--express] [--exclude GLOB]... FILE...|-",
		Examples: `  # the definition of the Step Functions template
  stagecrew asl validate statemachine/definition.asl.json

  # every *.asl.json file under a folder, machine-readable
  stagecrew asl validate --format json statemachine/

  # a definition rendered by another tool, on standard input
  aws stepfunctions describe-state-machine --state-machine-arn "$ARN" \
    --query definition --output text | stagecrew asl validate -

Each finding names the rule it breaks (such as next-unknown or errors-all), the
JSON pointer of the field and its line and column. Warnings (a Choice without
Default, a path passed as literal text) do not make a definition invalid.
In GitHub Actions (GITHUB_ACTIONS=true) findings are also ::error and ::warning
annotations on the pull request's diff (--format github writes only those and
the summary; --format json never mixes them into its output).`,
	}
	c.Run = func(ctx context.Context, streams *IOStreams, env Env, args []string) error {
		opts := &ASLValidateOptions{IO: streams, Env: env}
		fs := newFlagSet(c, streams)
		reportFormatFlag(fs, &opts.Format)
		fs.BoolVar(&opts.Express, "express", false, "the definitions are of EXPRESS state machines (no .sync or .waitForTaskToken integrations, no activities)")
		excludeFlag(fs, &opts.Exclude)
		paths, err := parseFlags(c, streams, fs, args)
		if err != nil {
			return err
		}
		if len(paths) == 0 {
			return usageErrorf("name at least one definition file or folder (see 'stagecrew asl validate --help')")
		}
		opts.Paths = paths
		return ASLValidateRun(ctx, opts)
	}
	return c
}

// ASLReport is what 'asl validate' found; it is the JSON output.
type ASLReport struct {
	Files    int       `json:"files"`
	Valid    int       `json:"valid"`
	Invalid  int       `json:"invalid"`
	Errors   int       `json:"errors"`
	Warnings int       `json:"warnings"`
	Findings []Finding `json:"findings"`
	// Omitted counts the findings (in Errors and Warnings) not listed:
	// past 1,000 in one file or 10,000 in all.
	Omitted int `json:"omitted,omitempty"`
}

// isASLName matches the files searched for in folders: *.asl.json.
func isASLName(name string) bool {
	return strings.HasSuffix(name, ".asl.json")
}

// ASLValidateRun validates every definition under opts.Paths. Files named
// directly are read whatever their name; folders are searched for
// *.asl.json files; "-" is standard input. As in validate, a path that
// names nothing, or under which there is no definition, is a usage error, and a file that cannot be read (a pipe, a link out of its folder)
// is a finding: an error when it was named, a warning when found in a
// folder.
func ASLValidateRun(ctx context.Context, opts *ASLValidateOptions) error {
	set, err := discover(ctx, opts.Paths, discoverOptions{match: isASLName, exclude: opts.Exclude, stdin: opts.IO.In})
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	defer set.Close()
	found := make([]bool, len(opts.Paths))
	for _, f := range set.files {
		found[f.arg] = true
	}
	for i, p := range opts.Paths {
		if !found[i] {
			return usageErrorf("%s: no definition to check (in folders: *.asl.json files)", p)
		}
	}
	results := make([]aslFileResult, len(set.files))
	if err := forEachFile(ctx, len(set.files), func(i int) { results[i] = checkASLFile(set.files[i], opts.Express) }); err != nil {
		return err
	}
	rep := &ASLReport{Findings: []Finding{}}
	for _, r := range results {
		rep.Files++
		switch {
		case r.invalid:
			rep.Invalid++
		case r.read:
			rep.Valid++
		}
		for _, fd := range r.findings {
			if fd.Severity == "error" {
				rep.Errors++
			} else {
				rep.Warnings++
			}
			if len(rep.Findings) < maxFindings {
				rep.Findings = append(rep.Findings, fd)
			} else {
				rep.Omitted++
			}
		}
		rep.Errors += r.omittedErrors
		rep.Warnings += r.omittedWarnings
		rep.Omitted += r.omittedErrors + r.omittedWarnings
	}
	if err := writeASLReport(opts, rep); err != nil {
		return err
	}
	if rep.Errors > 0 {
		return &ExitError{Code: ExitInvalid}
	}
	return nil
}

// aslFileResult is what one definition file contributed.
type aslFileResult struct {
	fileResult
	read    bool // the file was read (and judged)
	invalid bool // it has an error, or could not be read though named
}

// checkASLFile reads and validates one definition, of an EXPRESS state
// machine when express.
func checkASLFile(f catalogFile, express bool) aslFileResult {
	var r aslFileResult
	data, err := f.read()
	if err != nil {
		// Reported beside the other results, as validate does.
		r.add(unreadableFinding(f, err))
		r.invalid = f.explicit
		return r
	}
	r.read = true
	var findings []asl.Finding
	if def, err := asl.Parse(data); err != nil {
		findings = asl.Validate(data) // the syntax error as a finding
	} else if express {
		findings = def.ValidateExpress()
	} else {
		findings = def.Validate()
	}
	for _, af := range findings {
		r.add(Finding{File: f.path, Line: af.Line, Column: af.Column, Field: af.Pointer,
			Severity: string(af.Severity), Message: af.Message, Rule: af.Rule})
		r.invalid = r.invalid || af.Severity == asl.SeverityError
	}
	return r
}

// forEachFile calls fn(i) for i in [0, n) on all cores and returns when
// all calls have; ctx stops handing out new indexes.
func forEachFile(ctx context.Context, n int, fn func(i int)) error {
	workers := min(runtime.GOMAXPROCS(0), max(1, n))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return ctx.Err()
}

func writeASLReport(opts *ASLValidateOptions, rep *ASLReport) error {
	w := bufio.NewWriter(opts.IO.Out)
	streams := *opts.IO
	streams.Out = w
	if wantAnnotations(opts.Format, opts.Env) {
		writeAnnotations(&streams, opts.Env, rep.Findings, "stagecrew asl validate")
	}
	switch opts.Format {
	case "json":
		if err := writeJSON(w, rep); err != nil {
			return err
		}
		return w.Flush()
	case "text":
		for _, f := range rep.Findings {
			writeFinding(w, f)
		}
	}
	writeOmitted(w, rep.Omitted)
	mark := "✓"
	if rep.Errors > 0 {
		mark = "✗"
	}
	fmt.Fprintf(w, "%s %d %s: %d valid, %d invalid; %d %s, %d %s\n", mark,
		rep.Files, plural(rep.Files, "definition", "definitions"), rep.Valid, rep.Invalid,
		rep.Errors, plural(rep.Errors, "error", "errors"), rep.Warnings, plural(rep.Warnings, "warning", "warnings"))
	return w.Flush()
}
