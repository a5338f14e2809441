package stepfunctions

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckInput(t *testing.T) {
	for _, ok := range []string{"", "{}", `{"a":[1,2]}`, `"s"`, "42", " null "} {
		if err := CheckInput(ok); err != nil {
			t.Errorf("CheckInput(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"{", `{"a":1} {"b":2}`, "nope", `{"a":1}x`} {
		if err := CheckInput(bad); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("CheckInput(%q) = %v, want ErrInvalidInput", bad, err)
		}
	}
	big := `{"a":"` + strings.Repeat("x", MaxInputBytes) + `"}`
	if err := CheckInput(big); !errors.Is(err, ErrInputTooLarge) {
		t.Errorf("big input: %v", err)
	}
}

func TestRenderInput(t *testing.T) {
	gh := GitHub{Repository: "acme/orders", SHA: "abc", Ref: "refs/heads/main", Actor: "octo\"cat", RunID: "1", RunAttempt: "2", ServerURL: "https://github.com"}
	got, err := RenderInput(`{"repo":"${{ github.repository }}","who":"${{ github.actor }}","pr":"${{ github.event.pull_request.number }}","env":"${{ stagecrew.environment }}","entity":"${{stagecrew.entity}}"}`,
		gh, "prod", "component:default/orders")
	if err != nil || got != `{"repo":"acme/orders","who":"octo\"cat","pr":"","env":"prod","entity":"component:default/orders"}` {
		t.Errorf("RenderInput = %s, %v", got, err)
	}
	if _, err := RenderInput(`{"x": ${{ github.sha }}}`, gh, "prod", "e"); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("placeholder outside a string: %v", err)
	}
	huge := GitHub{Actor: strings.Repeat("a", MaxInputBytes)}
	if _, err := RenderInput(`{"a":"${{ github.actor }}"}`, huge, "p", "e"); !errors.Is(err, ErrInputTooLarge) {
		t.Errorf("rendered input too large: %v", err)
	}
}

func TestReadInputFile(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "in.json"), filepath.Join(dir, "bad.json")
	os.WriteFile(good, []byte(`{"a":1}`), 0o600)
	os.WriteFile(bad, []byte(`{"a":`), 0o600)
	if s, err := ReadInputFile(good); err != nil || s != `{"a":1}` {
		t.Errorf("good: %q %v", s, err)
	}
	if _, err := ReadInputFile(bad); !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("bad: %v", err)
	}
	if _, err := ReadInputFile(filepath.Join(dir, "missing.json")); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("missing: %v", err)
	}
}

func TestInputDiff(t *testing.T) {
	for _, c := range []struct{ a, b, want string }{
		{`{"a":1,"b":[1,2]}`, `{ "b":[1,2], "a":1.0 }`, ""},
		{"", "{}", ""},
		{`{"a":1}`, `{"a":2}`, "$.a"},
		{`{"a":{"b":[1,2]}}`, `{"a":{"b":[1,3]}}`, "$.a.b[1]"},
		{`{"a":1}`, `{"a":1,"z":0}`, "$.z"},
		{`[1]`, `[1,2]`, "$[1]"},
		{`{"a":"x"}`, `[]`, "$"},
	} {
		if got := inputDiff(c.a, c.b); got != c.want {
			t.Errorf("inputDiff(%s, %s) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}
