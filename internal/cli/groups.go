package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/stagecrew/stagecrew/internal/suggest"
	"github.com/stagecrew/stagecrew/pkg/logsafe"
)

// unknownCommand handles a command line that names no command: a group's
// name alone ("stagecrew template") lists the group's subcommands, a
// mistyped name gets a suggestion. Both are usage errors.
func unknownCommand(streams *IOStreams, cmds []*Command, args []string) int {
	group := args[0]
	var sub []*Command
	for _, c := range cmds {
		if g, _, ok := strings.Cut(c.Name, " "); ok && g == group {
			sub = append(sub, c)
		}
	}
	if len(sub) > 0 {
		if len(args) > 1 && !strings.HasPrefix(args[1], "-") {
			names := make([]string, len(sub))
			for i, c := range sub {
				names[i] = c.Name[len(group)+1:]
			}
			msg := fmt.Sprintf("stagecrew: unknown command %q", logsafe.Clip(group+" "+args[1], 200))
			if best, d := suggest.Closest(args[1], names); best != "" && d <= 2 {
				msg += fmt.Sprintf("; did you mean 'stagecrew %s %s'?", group, best)
			}
			fmt.Fprintln(streams.ErrOut, logsafe.Line(msg))
		}
		printGroupHelp(streams.ErrOut, group, sub)
		return ExitUsage
	}
	names := map[string]bool{}
	for _, c := range cmds {
		g, _, _ := strings.Cut(c.Name, " ")
		names[g] = true
		names[c.Name] = true
	}
	candidates := make([]string, 0, len(names))
	for n := range names {
		candidates = append(candidates, n)
	}
	sort.Strings(candidates)
	msg := fmt.Sprintf("stagecrew: unknown command %q", logsafe.Clip(group, 200))
	if best, d := suggest.Closest(group, candidates); best != "" && d <= 2 {
		msg += fmt.Sprintf("; did you mean 'stagecrew %s'?", best)
	} else {
		msg += "; run 'stagecrew help' for the list"
	}
	fmt.Fprintln(streams.ErrOut, logsafe.Line(msg))
	return ExitUsage
}

// printGroupHelp lists the subcommands of a group.
func printGroupHelp(w io.Writer, group string, sub []*Command) {
	fmt.Fprintf(w, "Usage: stagecrew %s <command> [flags] [args]\n\nCommands:\n", group)
	for _, c := range sub {
		fmt.Fprintf(w, "  %-22s %s\n", c.Name, c.Summary)
	}
	fmt.Fprintf(w, "\nRun 'stagecrew %s <command> --help' for a command's flags and examples.\n", group)
}
