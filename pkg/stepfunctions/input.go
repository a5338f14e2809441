package stepfunctions

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/safefile"
)

// MaxInputBytes is the largest execution input Step Functions accepts
// (256 KiB of UTF-8).
const MaxInputBytes = 256 << 10

// Errors about the execution input, matched with errors.Is.
var (
	// ErrInvalidInput: the input is not valid JSON, or its template or file
	// could not be read.
	ErrInvalidInput = errors.New("invalid execution input")
	// ErrInputTooLarge: the input is larger than MaxInputBytes.
	ErrInputTooLarge = errors.New("execution input too large")
)

// GitHub is the GitHub Actions context an input template may use (the
// github.* placeholders of annotations.Placeholders).
type GitHub struct {
	Repository string // owner/repo
	SHA        string
	Ref        string
	Actor      string
	RunID      string
	RunAttempt string
	PRNumber   string // "" outside pull requests
	ServerURL  string // https://github.com
}

// Vars returns the values of every placeholder of annotations.Placeholders.
// Values the context lacks are "", so a template that names the pull request
// number still renders on a push.
func (g GitHub) Vars(environment, entity string) map[string]string {
	return map[string]string{
		"github.repository":                g.Repository,
		"github.sha":                       g.SHA,
		"github.ref":                       g.Ref,
		"github.actor":                     g.Actor,
		"github.run_id":                    g.RunID,
		"github.run_attempt":               g.RunAttempt,
		"github.event.pull_request.number": g.PRNumber,
		"github.server_url":                g.ServerURL,
		"stagecrew.environment":            environment,
		"stagecrew.entity":                 entity,
	}
}

// RenderInput fills the entity's execution input template
// (stagecrew.dev/execution-input) and checks the result with CheckInput.
// A template using github.run_attempt renders a different input on a re-run,
// which then does not attach to the first attempt's execution
// (ErrInputMismatch).
func RenderInput(tmpl string, gh GitHub, environment, entity string) (string, error) {
	out, err := annotations.RenderExecutionInput(tmpl, gh.Vars(environment, entity))
	if err != nil {
		return "", fmt.Errorf("%w: template %s: %v", ErrInvalidInput, annotations.KeyExecutionInput, err)
	}
	if err := CheckInput(out); err != nil {
		return "", err
	}
	return out, nil
}

// ReadInputFile reads an execution input from a file and checks it with
// CheckInput.
//
// Only a regular file is read (a pipe or device is refused, never waited
// on), a link only to a file in the same folder or below, and no more than
// MaxInputBytes of it.
func ReadInputFile(path string) (string, error) {
	b, err := safefile.ReadFile(path, MaxInputBytes)
	if errors.Is(err, safefile.ErrTooLarge) {
		return "", fmt.Errorf("%w: %w", ErrInputTooLarge, err)
	}
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	if err := CheckInput(string(b)); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return string(b), nil
}

// CheckInput checks an execution input: valid JSON, at most MaxInputBytes.
// The empty string is read as "{}", as Step Functions does.
func CheckInput(s string) error {
	if len(s) > MaxInputBytes {
		return fmt.Errorf("%w: %d bytes, Step Functions accepts at most %d (256 KiB)", ErrInputTooLarge, len(s), MaxInputBytes)
	}
	if strings.TrimSpace(s) == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%w: not valid JSON: %v", ErrInvalidInput, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: not valid JSON: more than one value", ErrInvalidInput)
	}
	if _, err := dec.Token(); err == nil {
		return fmt.Errorf("%w: not valid JSON: text after the value", ErrInvalidInput)
	}
	return nil
}

func normInput(s string) string {
	if strings.TrimSpace(s) == "" {
		return "{}"
	}
	return s
}

// inputDiff compares two execution inputs as JSON values and returns "" when
// they are equal, or else the JSON path of the first difference ("$",
// "$.commit", "$.items[2]").
func inputDiff(a, b string) string {
	va, ea := decodeJSON(normInput(a))
	vb, eb := decodeJSON(normInput(b))
	if ea != nil || eb != nil {
		if normInput(a) == normInput(b) {
			return ""
		}
		return "$"
	}
	return diffValue("$", va, vb)
}

func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func diffValue(path string, a, b any) string {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok {
			return path
		}
		keys := make([]string, 0, len(a)+len(b))
		for k := range a {
			keys = append(keys, k)
		}
		for k := range b {
			if _, ok := a[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			va, oka := a[k]
			vb, okb := b[k]
			if oka != okb {
				return path + "." + k
			}
			if d := diffValue(path+"."+k, va, vb); d != "" {
				return d
			}
		}
		return ""
	case []any:
		b, ok := b.([]any)
		if !ok {
			return path
		}
		for i := range min(len(a), len(b)) {
			if d := diffValue(fmt.Sprintf("%s[%d]", path, i), a[i], b[i]); d != "" {
				return d
			}
		}
		if len(a) != len(b) {
			return fmt.Sprintf("%s[%d]", path, min(len(a), len(b)))
		}
		return ""
	case json.Number:
		bn, ok := b.(json.Number)
		if !ok {
			return path
		}
		if a == bn {
			return ""
		}
		fa, ea := a.Float64()
		fb, eb := bn.Float64()
		if ea == nil && eb == nil && fa == fb {
			return ""
		}
		return path
	default:
		if a != b {
			return path
		}
		return ""
	}
}
