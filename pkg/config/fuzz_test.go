package config

import (
	"errors"
	"testing"

	"github.com/sethvargo/go-githubactions"
)

// FuzzRead feeds arbitrary values to every input: Read never panics, and
// every problem it reports is an *InputError naming an input the action has.
func FuzzRead(f *testing.F) {
	f.Add("production", "auto", "30m", "3600", `{"a":1}`, `["bin/migrate"]`, "true")
	f.Add("", "lambda", "forever", "-1", `{`, `[1]`, "yes")
	f.Fuzz(func(t *testing.T, env, mode, timeout, duration, input, command, wait string) {
		vars := map[string]string{
			"INPUT_ENVIRONMENT": env, "INPUT_MODE": mode, "INPUT_TIMEOUT": timeout,
			"INPUT_ROLE-SESSION-DURATION": duration, "INPUT_INPUT": input, "INPUT_COMMAND": command, "INPUT_WAIT": wait,
		}
		a := githubactions.New(githubactions.WithGetenv(func(k string) string { return vars[k] }))
		_, err := Read(a)
		if err == nil {
			return
		}
		known := map[string]bool{}
		for _, n := range InputNames() {
			known[n] = true
		}
		var joined interface{ Unwrap() []error }
		errs := []error{err}
		if errors.As(err, &joined) {
			errs = joined.Unwrap()
		}
		for _, e := range errs {
			var ie *InputError
			if !errors.As(e, &ie) || !known[ie.Input] {
				t.Fatalf("problem %v is not an *InputError naming a known input", e)
			}
		}
	})
}
