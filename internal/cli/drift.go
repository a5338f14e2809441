package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/awsauth"
	"github.com/stagecrew/stagecrew/pkg/backstage"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/drift"
	"github.com/stagecrew/stagecrew/pkg/logsafe"
	"github.com/stagecrew/stagecrew/pkg/policy"
	"github.com/stagecrew/stagecrew/pkg/safefile"
)

// DriftOptions are the inputs and dependencies of 'stagecrew drift'.
type DriftOptions struct {
	IO    *IOStreams
	Env   Env
	Paths []string // catalog files and folders; ignored with Backstage
	// Backstage is the base URL of a Backstage backend whose catalog is
	// read instead of files; its token comes from BACKSTAGE_TOKEN.
	Backstage string
	Format    string // text, json, markdown or github
	// Suggest is where the catalog changes go: "-" (a patch on standard
	// out, instead of the report), a folder (the changed files), or a
	// file (a patch). Empty writes none.
	Suggest string
	// RepoRoot is the folder the annotations' file paths are relative to.
	RepoRoot string
	// DefaultCredentials uses the SDK's default credential chain (and
	// AssumeRole into each environment's role) instead of a web identity
	// token.
	DefaultCredentials bool
	Regions            []string // for tags annotations without an ARN's region
	Workers            int
	EndpointURL        string        // AWS endpoint for every service (tests, LocalStack-like setups)
	SessionDuration    time.Duration // role sessions; awsauth's default when zero

	// In GitHub Actions with the OIDC token: the policy file deciding
	// drift:read per entity environment (default RepoRoot/.stagecrew/policy.yaml,
	// the default policy when absent), the token's audience and issuer.
	Policy, Audience, OIDCIssuer string
}

// driftFormats are the values of 'drift --format'.
var driftFormats = []string{"text", "json", "markdown", "github"}

func driftCommand() *Command {
	c := &Command{
		Name:    "drift",
		Summary: "Compare the catalog's AWS annotations with AWS: phantoms, definition drift, orphans, ownership",
		Usage:   "drift [--backstage URL] [--format text|json|markdown|github] [--suggest -|DIR|FILE] [--default-credentials] [--region R]... [PATH...]",
		Examples: `  # the repository's catalog, with each environment's role (in GitHub Actions,
  # through the workflow's OIDC token: permissions: id-token: write)
  stagecrew drift .

  # the whole Backstage catalog, a Markdown report for an issue
  BACKSTAGE_TOKEN=... stagecrew drift --backstage https://backstage.example.com --format markdown

  # outside Actions, with your own credentials; write the catalog fixes as a patch
  stagecrew drift --default-credentials --suggest drift.patch .
  git apply drift.patch

Nothing is ever changed in AWS. Exit codes: 0 no drift, 1 drift, 2 usage error,
unreadable catalog, or an account or region that could not be read.
In GitHub Actions (GITHUB_ACTIONS=true) findings are also written as ::warning
annotations.`,
	}
	c.Run = func(ctx context.Context, streams *IOStreams, env Env, args []string) error {
		opts := &DriftOptions{IO: streams, Env: env, Audience: awsauth.DefaultAudience, OIDCIssuer: awsauth.GitHubIssuer}
		fs := newFlagSet(c, streams)
		opts.Format = "text"
		fs.Func("format", "output `format`: text, json, markdown or github (default text)", func(s string) error {
			if !slices.Contains(driftFormats, s) {
				return fmt.Errorf("must be one of %s, not %q", strings.Join(driftFormats, ", "), s)
			}
			opts.Format = s
			return nil
		})
		fs.StringVar(&opts.Backstage, "backstage", "", "read the catalog from the Backstage backend at `URL` (token: BACKSTAGE_TOKEN)")
		fs.StringVar(&opts.Suggest, "suggest", "", "write the catalog changes that remove the drift to `DEST`: - (a patch on standard output instead of the report), a folder, or a patch file")
		fs.StringVar(&opts.RepoRoot, "repo-root", ".", "`folder` the annotations' file paths are relative to")
		fs.BoolVar(&opts.DefaultCredentials, "default-credentials", false, "use the AWS SDK's default credential chain (and AssumeRole each environment's role) instead of a web identity token")
		fs.Func("region", "`region` to look for tags annotations in when no ARN names one (repeatable)", func(s string) error {
			opts.Regions = append(opts.Regions, s)
			return nil
		})
		fs.IntVar(&opts.Workers, "workers", drift.DefaultWorkers, "`N` accounts, regions and roles scanned at once")
		fs.StringVar(&opts.EndpointURL, "endpoint-url", "", "AWS endpoint `URL` for every service (default AWS_ENDPOINT_URL)")
		fs.DurationVar(&opts.SessionDuration, "session-duration", 0, "role session `duration` (default 1h)")
		fs.StringVar(&opts.Policy, "policy", "", "policy `file` deciding drift:read in GitHub Actions (default .stagecrew/policy.yaml under --repo-root)")
		fs.StringVar(&opts.Audience, "audience", awsauth.DefaultAudience, "`audience` of the workflow's OIDC token")
		fs.StringVar(&opts.OIDCIssuer, "oidc-issuer", awsauth.GitHubIssuer, "`issuer` the OIDC token is verified against")
		paths, err := parseFlags(c, streams, fs, args)
		if err != nil {
			return err
		}
		if opts.Backstage != "" && len(paths) > 0 {
			return usageErrorf("give catalog paths or --backstage, not both")
		}
		if opts.Workers < 1 {
			return usageErrorf("--workers must be at least 1")
		}
		opts.Paths = pathsOrDot(paths)
		return DriftRun(ctx, opts)
	}
	return c
}

// DriftRun scans the catalog against AWS and writes the report.
func DriftRun(ctx context.Context, opts *DriftOptions) error {
	entities, err := driftEntities(ctx, opts)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	root, err := safefile.OpenRoot(opts.RepoRoot, catalog.DefaultMaxFileSize)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("--repo-root: %s", readProblem(err))}
	}
	defer root.Close()
	endpoint := opts.EndpointURL
	if endpoint == "" {
		endpoint = opts.Env("AWS_ENDPOINT_URL")
	}
	gha := githubactions.New(githubactions.WithGetenv(githubactions.GetenvFunc(opts.Env)), githubactions.WithWriter(opts.IO.ErrOut))
	allow, err := driftAllow(ctx, opts, entities, gha)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	rep, err := drift.Scan(ctx, drift.Options{
		Entities: entities,
		Allow:    allow,
		Config: func(ctx context.Context, role annotations.RoleARN, region string) (aws.Config, error) {
			cfg, err := awsauth.Config(ctx, awsauth.Options{RoleARN: role, Region: region, Endpoint: endpoint,
				UseDefaultChain: opts.DefaultCredentials, Duration: opts.SessionDuration, Action: gha, Audience: opts.Audience})
			if err != nil {
				return cfg, err
			}
			if endpoint != "" {
				cfg.BaseEndpoint = aws.String(endpoint)
			}
			return cfg, nil
		},
		ReadFile: func(_ *catalog.Entity, rel string) ([]byte, error) { return root.ReadFile(rel) },
		Regions:  opts.Regions,
		Workers:  opts.Workers,
	})
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if err := writeDriftReport(opts, rep); err != nil {
		return err
	}
	if opts.Suggest != "" {
		if err := writeSuggestions(opts, rep); err != nil {
			return err
		}
	}
	switch {
	case rep.Err() != nil:
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("the report is incomplete: %w", rep.Err())}
	case rep.Drift():
		return &ExitError{Code: ExitInvalid}
	}
	return nil
}

// driftEntities reads the catalog: files, or Backstage's whole catalog.
func driftEntities(ctx context.Context, opts *DriftOptions) ([]*catalog.Entity, error) {
	if opts.Backstage == "" {
		c, err := policy.LoadLocalCatalog(opts.Paths...)
		if err != nil {
			return nil, err
		}
		return c.Entities(), nil
	}
	token := opts.Env("BACKSTAGE_TOKEN")
	if token == "" {
		return nil, errors.New("--backstage needs a token in BACKSTAGE_TOKEN")
	}
	client, err := backstage.New(opts.Backstage, token)
	if err != nil {
		return nil, err
	}
	entities, err := client.Query(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the Backstage catalog: %w", err)
	}
	return entities, nil
}

func writeDriftReport(opts *DriftOptions, rep *drift.Report) error {
	out := opts.IO.Out
	if opts.Suggest == "-" {
		// The patch owns standard out; people get the summary.
		writeDriftSummary(opts.IO.ErrOut, rep)
		return nil
	}
	w := bufio.NewWriter(out)
	if opts.Env("GITHUB_ACTIONS") == "true" && opts.Format != "github" {
		writeDriftAnnotations(opts, w, rep)
	}
	switch opts.Format {
	case "json":
		if err := writeJSON(w, rep); err != nil {
			return err
		}
	case "markdown":
		writeDriftMarkdown(w, rep)
	case "github":
		writeDriftAnnotations(opts, w, rep)
		writeDriftSummary(w, rep)
	default:
		writeDriftText(w, rep)
	}
	return w.Flush()
}

// writeDriftAnnotations writes each finding as a ::warning (and each
// unreadable scope as an ::error): those in a catalog file through
// validate's annotation writer, the others (orphans) without a file.
func writeDriftAnnotations(opts *DriftOptions, w io.Writer, rep *drift.Report) {
	gha := githubactions.New(githubactions.WithWriter(w), githubactions.WithGetenv(githubactions.GetenvFunc(opts.Env)))
	title := map[string]string{"title": "stagecrew drift"}
	var inFiles []Finding
	for _, f := range rep.Findings {
		msg := string(f.Kind) + ": " + f.Message
		if f.Environment != "" {
			msg = string(f.Kind) + " in " + f.Environment + ": " + f.Message
		}
		if len(f.Tags) > 0 {
			msg += " (tags: " + annotations.FormatTags(f.Tags) + ")"
		}
		if f.File == "" {
			gha.WithFieldsMap(title).Warningf("%s", logsafe.Line(msg))
			continue
		}
		inFiles = append(inFiles, Finding{File: f.File, Line: f.Line, Entity: f.Entity, Field: f.Annotation, Severity: "warning", Message: msg})
	}
	streams := *opts.IO
	streams.Out = w
	writeAnnotations(&streams, opts.Env, inFiles, "stagecrew drift")
	for _, e := range rep.ScopeErrors {
		gha.WithFieldsMap(title).Errorf("%s", logsafe.Line(e.Error()))
	}
}

func writeDriftText(w io.Writer, rep *drift.Report) {
	for _, f := range rep.Findings {
		pos := catalog.Position{File: f.File, Line: f.Line}.String()
		if pos == "" {
			pos = "(aws)"
		}
		what := string(f.Kind)
		if f.Entity != "" {
			what += " " + f.Entity
		}
		if f.Environment != "" {
			what += " [" + f.Environment + "]"
		}
		fmt.Fprintln(w, logsafe.Line(fmt.Sprintf("%s: %s: %s", pos, what, f.Message)))
		if f.Resource != "" && !strings.Contains(f.Message, f.Resource) {
			fmt.Fprintln(w, logsafe.Line("    resource: "+f.Resource))
		}
		if len(f.Tags) > 0 {
			fmt.Fprintln(w, logsafe.Line("    tags: "+annotations.FormatTags(f.Tags)))
		}
		for _, l := range strings.Split(strings.TrimSuffix(f.Diff, "\n"), "\n") {
			if l != "" {
				fmt.Fprintln(w, logsafe.Line("    "+l))
			}
		}
	}
	for _, s := range rep.Skipped {
		fmt.Fprintln(w, logsafe.Line(fmt.Sprintf("skipped %s %s: %s", s.Entity, s.Environment, s.Reason)))
	}
	for _, e := range rep.ScopeErrors {
		fmt.Fprintln(w, logsafe.Line("not read: "+e.Error()))
	}
	writeDriftSummary(w, rep)
}

func writeDriftSummary(w io.Writer, rep *drift.Report) {
	mark := "✓"
	if rep.Drift() || len(rep.ScopeErrors) > 0 {
		mark = "✗"
	}
	var parts []string
	for _, k := range []drift.Kind{drift.KindPhantom, drift.KindDefinition, drift.KindTaskFamily, drift.KindOrphan, drift.KindOwnership} {
		if n := rep.Counts[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	counts := "no drift"
	if len(parts) > 0 {
		counts = strings.Join(parts, ", ")
	}
	fmt.Fprintf(w, "%s %s: %d %s in %d environment %s, %d %s scanned; %d AWS calls, %d throttled",
		mark, counts, rep.Entities, plural(rep.Entities, "entity", "entities"), rep.Checked, plural(rep.Checked, "check", "checks"),
		rep.Scopes, plural(rep.Scopes, "account region", "account regions"), rep.Stats.Calls, rep.Stats.Throttled)
	if n := len(rep.Skipped); n > 0 {
		fmt.Fprintf(w, "; %d skipped", n)
	}
	if n := len(rep.ScopeErrors); n > 0 {
		fmt.Fprintf(w, "; %d not read", n)
	}
	fmt.Fprintln(w)
}

// writeSuggestions writes the catalog changes where --suggest says.
func writeSuggestions(opts *DriftOptions, rep *drift.Report) error {
	rootAbs, err := filepath.Abs(opts.RepoRoot)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	changes, skipped := drift.Suggest(rep, drift.SuggestOptions{
		ReadFile: func(p string) ([]byte, error) { return safefile.ReadFile(p, catalog.DefaultMaxFileSize) },
		Dir:      filepath.Join(rootAbs, "catalog", "orphans"),
	})
	for _, s := range skipped {
		fmt.Fprintln(opts.IO.ErrOut, logsafe.Line("stagecrew drift: not suggested: "+s))
	}
	// Paths in the patch and under a folder are relative to the repository.
	rel := func(p string) string {
		abs, err := filepath.Abs(p)
		if err != nil {
			return filepath.ToSlash(p)
		}
		if r, err := filepath.Rel(rootAbs, abs); err == nil && r != ".." && !strings.HasPrefix(r, "../") {
			return filepath.ToSlash(r)
		}
		return filepath.ToSlash(p)
	}
	dest := opts.Suggest
	if dest == "-" {
		_, err := io.WriteString(opts.IO.Out, drift.Patch(changes, rel))
		return err
	}
	if info, err := os.Stat(dest); err == nil && info.IsDir() || strings.HasSuffix(dest, "/") {
		for _, c := range changes {
			p := filepath.Join(dest, filepath.FromSlash(rel(c.Path)))
			if !strings.HasPrefix(filepath.Clean(p), filepath.Clean(dest)) {
				return &ExitError{Code: ExitUsage, Err: fmt.Errorf("--suggest: %s is outside %s", p, dest)}
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			if err := writeRegular(p, c.After); err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
		}
		fmt.Fprintf(opts.IO.ErrOut, "stagecrew drift: %d %s written under %s\n", len(changes), plural(len(changes), "file", "files"), logsafe.Line(dest))
		return nil
	}
	if err := writeRegular(dest, drift.Patch(changes, rel)); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	fmt.Fprintf(opts.IO.ErrOut, "stagecrew drift: patch of %d %s written to %s (git apply %s)\n", len(changes), plural(len(changes), "file", "files"), logsafe.Line(dest), logsafe.Line(dest))
	return nil
}

// writeRegular writes a file, refusing a path that exists as anything but
// a regular file: opening a named pipe for writing would wait for a
// reader forever, and a link could point anywhere.
func writeRegular(path, text string) error {
	if info, err := os.Lstat(path); err == nil && !info.Mode().IsRegular() {
		return fmt.Errorf("--suggest: %s exists and is not a regular file (%s)", path, info.Mode().Type())
	}
	return os.WriteFile(path, []byte(text), 0o644)
}
