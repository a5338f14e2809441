package annotations

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCheckExecutionInput(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{in: `{}`},
		{in: `{"commit": "${{ github.sha }}", "env": "${{stagecrew.environment}}"}`},
		{in: `{"ref": "refs: ${{ github.ref }} by ${{ github.actor }}", "n": 1, "nested": {"pr": "${{ github.event.pull_request.number }}"}}`},
		{in: `{"${{ stagecrew.entity }}": true}`},
		{in: `{"url": "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}/attempts/${{ github.run_attempt }}"}`},

		{in: ``, wantErr: "empty template"},
		{in: `[1, 2]`, wantErr: "must be a JSON object, found an array"},
		{in: `"${{ github.sha }}"`, wantErr: "must be a JSON object, found a string"},
		{in: `null`, wantErr: "found null"},
		{in: `{"a": 1,}`, wantErr: "not valid JSON:"},
		{in: `{"run": ${{ github.run_id }}}`, wantErr: "placeholders go inside JSON strings"},
		{in: `{"sha": "${{ github.commit }}"}`, wantErr: `unknown placeholder "${{ github.commit }}"`},
		{in: `{"sha": "${{ secrets.TOKEN }}"}`, wantErr: "unknown placeholder"},
		{in: `{"sha": "${{ github.sha }"}`, wantErr: "unterminated placeholder"},
		{in: `{"sha": "${{ github.sha"}`, wantErr: "unterminated placeholder"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := CheckExecutionInput(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckExecutionInput(%s): %v", tt.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("CheckExecutionInput(%s) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestRenderExecutionInput(t *testing.T) {
	tmpl := `{"commit": "${{ github.sha }}", "ref": "ref ${{github.ref}}", "env": "${{ stagecrew.environment }}"}`
	got, err := RenderExecutionInput(tmpl, map[string]string{
		"github.sha":            "abc123",
		"github.ref":            `refs/heads/"quoted"<&>`,
		"stagecrew.environment": "prod\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Fatalf("rendered input %s is not JSON: %v", got, err)
	}
	want := map[string]string{"commit": "abc123", "ref": `ref refs/heads/"quoted"<&>`, "env": "prod\n"}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("%s = %q, want %q", k, v[k], w)
		}
	}
	if !strings.Contains(got, "<&>") {
		t.Errorf("rendered input %s escapes HTML characters", got)
	}

	_, err = RenderExecutionInput(tmpl, map[string]string{"github.sha": "x"})
	if err == nil || !strings.Contains(err.Error(), "no value for placeholder github.ref, stagecrew.environment") {
		t.Errorf("missing values: error = %v", err)
	}
}

// FuzzRenderExecutionInput checks that a template CheckExecutionInput accepts
// renders to a JSON object whatever the values are: a value can never break
// out of its JSON string.
func FuzzRenderExecutionInput(f *testing.F) {
	f.Add(`{"a": "${{ github.sha }}", "${{ github.ref }}": ["x${{ github.sha }}y"]}`, `"}, "evil": {"`)
	f.Add(`{"a": "\\${{ github.sha }}"}`, "\\")
	f.Add(`{"a": "${{github.sha}}${{ github.sha }}"}`, "\u2028\x00<>")
	f.Fuzz(func(t *testing.T, tmpl, value string) {
		if CheckExecutionInput(tmpl) != nil {
			return
		}
		vars := map[string]string{}
		for _, p := range Placeholders {
			vars[p] = value
		}
		out, err := RenderExecutionInput(tmpl, vars)
		if err != nil {
			t.Fatalf("template %q passed the check but does not render with %q: %v", tmpl, value, err)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("template %q rendered with %q to %q, not a JSON object: %v", tmpl, value, out, err)
		}
	})
}
