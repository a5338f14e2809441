// Package cli holds the stagecrew commands. Each command parses its flags
// into an options struct that also carries its dependencies (I/O streams,
// environment), and a run function does the work, so tests drive commands
// with buffers and a map for the environment.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/logsafe"
)

// Exit codes are a contract with scripts and CI.
const (
	ExitOK      = 0 // everything checked is valid
	ExitInvalid = 1 // at least one invalid entity, template or denied request
	ExitUsage   = 2 // bad flags or arguments, or input that could not be read
)

// ExitError carries the exit code a failed command should end with.
type ExitError struct {
	Code int
	Err  error
}

// Error returns the underlying error's message.
func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ExitError) Unwrap() error { return e.Err }

// usageErrorf is an error that exits with ExitUsage.
func usageErrorf(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// softMemoryLimit is the soft memory limit Main sets (see Main).
const softMemoryLimit = 96 << 20

// IOStreams are the streams a command reads and writes.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer // data: reports, JSON, generated files
	ErrOut io.Writer // messages for people
}

// Env is the process environment, injected (os.Getenv in main, a map in tests).
type Env func(key string) string

// Command is one subcommand of stagecrew.
type Command struct {
	Name     string
	Summary  string
	Usage    string // the synopsis after "stagecrew "
	Examples string
	// Run parses args and does the work.
	Run func(ctx context.Context, io *IOStreams, env Env, args []string) error
}

// Commands lists every subcommand, in the order help shows them.
func Commands() []*Command {
	return []*Command{
		validateCommand(),
		driftCommand(),
		aslValidateCommand(),
		templateLintCommand(),
		schemaCommand(),
		iamTrustPolicyCommand(),
		iamPermissionsCommand(),
		iamExecutionRoleCommand(),
		actionRunCommand(),
		actionCredentialsCommand(),
		versionCommand(""),
	}
}

// Main runs stagecrew with the arguments after the program name and returns
// the process exit code.
//
// Unless GOMEMLIMIT is set, Main sets the Go runtime's soft memory limit to
// softMemoryLimit: the commands read files a pull request controls, and
// with the default collector a run over several large files peaks at
// twice its live memory (eight files of 20,000 entities each: 380 MB
// without the limit, 110 MB with it).
func Main(ctx context.Context, streams *IOStreams, env Env, args []string) int {
	return MainVersion(ctx, streams, env, args, "")
}

// MainVersion is Main for a binary that knows its release version (set
// with -ldflags "-X main.version=..."), which 'stagecrew version' prints;
// empty means the version the Go toolchain recorded.
func MainVersion(ctx context.Context, streams *IOStreams, env Env, args []string, version string) int {
	if env("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(softMemoryLimit)
	}
	cmds := Commands()
	for i, c := range cmds {
		if c.Name == "version" {
			cmds[i] = versionCommand(version)
		}
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			for _, c := range cmds {
				if c.Name == args[1] {
					printCommandHelp(streams.Out, c, nil)
					return ExitOK
				}
			}
			fmt.Fprintln(streams.ErrOut, logsafe.Line(fmt.Sprintf("stagecrew: unknown command %q", logsafe.Clip(args[1], 200))))
			return ExitUsage
		}
		printHelp(streams.Out, cmds)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	name, rest := args[0], args[1:]
	// Two-word commands ("template lint", "iam trust-policy").
	for _, c := range cmds {
		if strings.Contains(c.Name, " ") && len(args) > 1 && c.Name == args[0]+" "+args[1] {
			name, rest = c.Name, args[2:]
		}
	}
	for _, c := range cmds {
		if c.Name == name {
			err := c.Run(ctx, streams, env, rest)
			return exitCode(streams.ErrOut, err)
		}
	}
	return unknownCommand(streams, cmds, args)
}

func exitCode(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			printError(w, ee.Err)
		}
		return ee.Code
	}
	printError(w, err)
	return ExitInvalid
}

// maxErrorLen bounds an error line: messages carry names from files and
// arguments, and one of them can be megabytes long.
const maxErrorLen = 2000

// printError writes err as one line. Its message carries outside text
// (file and entity names, values), so the line goes through logsafe: no
// line break, control character or workflow command gets out.
func printError(w io.Writer, err error) {
	msg := err.Error()
	if !strings.HasPrefix(msg, "stagecrew") {
		msg = "stagecrew: " + msg
	}
	fmt.Fprintln(w, logsafe.Line(logsafe.Clip(msg, maxErrorLen)))
}

func printHelp(w io.Writer, cmds []*Command) {
	fmt.Fprintln(w, "stagecrew joins the Backstage catalog, AWS Step Functions and ECS, and GitHub Actions.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: stagecrew <command> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	sorted := append([]*Command(nil), cmds...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, c := range sorted {
		fmt.Fprintf(w, "  %-22s %s\n", c.Name, c.Summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'stagecrew <command> --help' for a command's flags and examples.")
	fmt.Fprintln(w, "Exit codes: 0 all valid, 1 something invalid or denied, 2 usage error or unreadable input.")
}

func printCommandHelp(w io.Writer, c *Command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s\n\nUsage: stagecrew %s\n", c.Summary, c.Usage)
	if fs != nil {
		fmt.Fprintln(w, "\nFlags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
	if c.Examples != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", c.Examples)
	}
}

// formatFlag registers --format, text or json, on fs; other values are a
// usage error when the flags are parsed.
func formatFlag(fs *flag.FlagSet, p *string) {
	*p = "text"
	fs.Func("format", "output `format`: text or json (default text)", func(s string) error {
		if s != "text" && s != "json" {
			return fmt.Errorf("must be text or json, not %q", s)
		}
		*p = s
		return nil
	})
}

// excludeFlag adds the repeatable --exclude GLOB of the commands that
// search folders, appending each pattern to p.
func excludeFlag(fs *flag.FlagSet, p *[]string) {
	fs.Func("exclude", "leave out files and folders matching `GLOB` (repeatable)", func(v string) error {
		*p = append(*p, v)
		return nil
	})
}

// reportFormatFlag registers --format for the commands that report
// findings on files: text, json, or github (GitHub workflow commands, one
// ::error or ::warning a finding, then the summary).
func reportFormatFlag(fs *flag.FlagSet, p *string) {
	*p = "text"
	fs.Func("format", "output `format`: text, json or github (workflow commands; default text)", func(s string) error {
		if s != "text" && s != "json" && s != "github" {
			return fmt.Errorf("must be text, json or github, not %q", s)
		}
		*p = s
		return nil
	})
}

// pathsOrDot is the paths given, or the current folder.
func pathsOrDot(paths []string) []string {
	if len(paths) == 0 {
		return []string{"."}
	}
	return paths
}

// newFlagSet returns a flag set that prints the command's help on -h.
func newFlagSet(c *Command, streams *IOStreams) *flag.FlagSet {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // help is printed for -h only, not for every flag error
	return fs
}

// parseFlags parses args, allowing flags after positional arguments; it
// prints the command's help for -h and turns flag errors into usage errors.
func parseFlags(c *Command, streams *IOStreams, fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printCommandHelp(streams.Out, c, fs)
				return nil, err
			}
			return nil, usageErrorf("%v (see 'stagecrew %s --help')", err, fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
