package cli

import (
	"context"
	"fmt"
	"runtime/debug"
)

// versionCommand prints stagecrew's version: release, when the release
// build set one (go build -ldflags "-X main.version=v1.2.3"), or else the
// module version and VCS revision the Go toolchain recorded in the binary
// (go install ...@v1.2.3 records the version; a build from a checkout
// records the commit).
func versionCommand(release string) *Command {
	c := &Command{
		Name:    "version",
		Summary: "Print stagecrew's version",
		Usage:   "version",
	}
	c.Run = func(_ context.Context, streams *IOStreams, _ Env, args []string) error {
		fs := newFlagSet(c, streams)
		rest, err := parseFlags(c, streams, fs, args)
		if err != nil {
			return err
		}
		if len(rest) > 0 {
			return usageErrorf("version takes no arguments")
		}
		info, _ := debug.ReadBuildInfo()
		fmt.Fprintln(streams.Out, versionLine(release, info))
		return nil
	}
	return c
}

// versionLine formats the version from the release string and build info.
func versionLine(release string, info *debug.BuildInfo) string {
	v := release
	goVersion, revision, modified := "", "", false
	if info != nil {
		goVersion = info.GoVersion
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	line := "stagecrew " + v
	if revision != "" {
		if len(revision) > 12 {
			revision = revision[:12]
		}
		line += " commit " + revision
		if modified {
			line += " (modified)"
		}
	}
	if goVersion != "" {
		line += " " + goVersion
	}
	return line
}
