package annotations

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Placeholders lists the names a ${{ name }} placeholder of the execution
// input template (stagecrew.dev/execution-input) may use.
var Placeholders = []string{
	"github.repository",
	"github.sha",
	"github.ref",
	"github.actor",
	"github.run_id",
	"github.run_attempt",
	"github.event.pull_request.number",
	"github.server_url",
	"stagecrew.environment",
	"stagecrew.entity",
}

// rePlaceholder matches one ${{ name }}; compiled on first use, not at start.
var rePlaceholder = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$\{\{\s*([^{}]*?)\s*\}\}`) })

// CheckExecutionInput checks an execution input template: a JSON object in
// which ${{ name }} placeholders, with names from Placeholders, stand inside
// JSON strings. Each is replaced by a string, so
// {"commit": "${{ github.sha }}"} is right and {"run": ${{ github.run_id }}}
// is not.
func CheckExecutionInput(tmpl string) error {
	_, err := substitute(tmpl, func(string) string { return "x" })
	return err
}

// RenderExecutionInput replaces the placeholders of an execution input
// template with the values in vars, escaped for JSON, and returns the
// execution input. A placeholder without a value in vars is an error.
func RenderExecutionInput(tmpl string, vars map[string]string) (string, error) {
	var missing []string
	out, err := substitute(tmpl, func(name string) string {
		v, ok := vars[name]
		if !ok {
			missing = append(missing, name)
		}
		return jsonStringContent(v)
	})
	if err != nil {
		return "", err
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return "", fmt.Errorf("no value for placeholder %s", strings.Join(slices.Compact(missing), ", "))
	}
	return out, nil
}

// substitute replaces the placeholders of tmpl and checks that the result is
// a JSON object.
func substitute(tmpl string, value func(name string) string) (string, error) {
	if strings.TrimSpace(tmpl) == "" {
		return "", fmt.Errorf("empty template (expected a JSON object)")
	}
	var errs []string
	re := rePlaceholder()
	out := re.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := re.FindStringSubmatch(m)[1]
		if !slices.Contains(Placeholders, name) {
			errs = append(errs, fmt.Sprintf("unknown placeholder %q (known: %s)", m, strings.Join(Placeholders, ", ")))
			return "x"
		}
		return value(name)
	})
	if len(errs) > 0 {
		return "", fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	if i := strings.Index(out, "${{"); i >= 0 {
		return "", fmt.Errorf("unterminated placeholder at %q (expected ${{ name }})", clip(out[i:], 30))
	}
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		if strings.Contains(tmpl, "${{") {
			return "", fmt.Errorf("not valid JSON once placeholders are replaced by strings (placeholders go inside JSON strings, as in \"${{ github.sha }}\"): %v", err)
		}
		return "", fmt.Errorf("not valid JSON: %v", err)
	}
	if _, ok := v.(map[string]any); !ok {
		return "", fmt.Errorf("must be a JSON object, found %s", jsonKind(v))
	}
	return out, nil
}

// jsonStringContent returns s escaped for use inside a JSON string literal.
func jsonStringContent(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// clip shortens s to at most n runes.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "..."
	}
	return s
}
